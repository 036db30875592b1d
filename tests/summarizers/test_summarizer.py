"""The summary table from result files on disk: dataset rows, group averages (plain and weighted by
examples), results that are missing, and the csv/txt/md files written."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.outputs import RunDir
from evalkit.summarizers.default import MISSING, DefaultSummarizer
from tests.conftest import cli_env, run_cli

MODELS = ['small', 'large']


def _dataset(abbr: str, *groups: str) -> dict[str, Any]:
    return {'abbr': abbr, 'summary_groups': list(groups)}


def _write_result(run_dir: RunDir, model: str, dataset: str, value: float, num_examples: int,
                  metric: str = 'accuracy', mode: str = 'gen', stderr: float | None = None) -> None:
    """A results file as the evaluation task writes it (``stderr`` None: one written before stderrs)."""
    path = run_dir.results(model, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {metric: value, 'num_examples': num_examples, 'version': f'v-{dataset}', 'mode': mode,
              'model': model, 'dataset': dataset, **({} if stderr is None else {'stderr': {metric: stderr}})}
    path.write_text(json.dumps(result), encoding='utf-8')


@pytest.fixture
def run_dir(tmp_path: Path) -> RunDir:
    return RunDir(tmp_path / '20261201_120000')


def _rows(frame: Any) -> dict[tuple[str, str], list[Any]]:
    """(dataset, metric) -> the model cells."""
    return {(r['dataset'], r['metric']): [r[m] for m in frame.columns[4:]] for _, r in frame.iterrows()}


def test_dataset_rows_then_group_rows_with_plain_and_weighted_averages(run_dir: RunDir) -> None:
    datasets = [_dataset('ceval-a', 'ceval', 'ceval-stem'), _dataset('ceval-b', 'ceval', 'ceval-stem'),
                _dataset('ceval-c', 'ceval', 'ceval-other')]
    for model, values in (('small', (50.0, 100.0, 10.0)), ('large', (20.0, 40.0, 70.0))):
        for ds, value, n in zip(('ceval-a', 'ceval-b', 'ceval-c'), values, (2, 6, 4)):
            _write_result(run_dir, model, ds, value, n)
    frame = DefaultSummarizer().table(run_dir, MODELS, datasets)
    assert list(frame.columns) == ['dataset', 'version', 'metric', 'mode', 'small', 'large']
    assert frame.iloc[0].tolist() == ['ceval-a', 'v-ceval-a', 'accuracy', 'gen', 50.0, 20.0]
    # Categories in order of first mention, then the benchmark-wide group; a plain and a weighted row each.
    assert [(r['dataset'], r['metric']) for _, r in frame.iloc[3:].iterrows()] == [
        ('ceval-stem', 'naive_average'), ('ceval-stem', 'weighted_average'),
        ('ceval-other', 'naive_average'), ('ceval-other', 'weighted_average'),
        ('ceval', 'naive_average'), ('ceval', 'weighted_average')]
    rows = _rows(frame)
    assert rows[('ceval-stem', 'naive_average')] == [75.0, 30.0]
    assert rows[('ceval-stem', 'weighted_average')] == [(50 * 2 + 100 * 6) / 8, (20 * 2 + 40 * 6) / 8]
    assert rows[('ceval', 'naive_average')] == [round(160 / 3, 2), round(130 / 3, 2)]
    assert rows[('ceval', 'weighted_average')] == [round((100 + 600 + 40) / 12, 2), round((40 + 240 + 280) / 12, 2)]
    assert frame[frame['dataset'] == 'ceval'][['version', 'mode']].values.tolist() == [[MISSING, 'gen']] * 2


def test_a_missing_result_is_shown_and_never_averaged_as_zero_or_dropped(run_dir: RunDir) -> None:
    datasets = [_dataset('a', 'grp'), _dataset('b', 'grp'), _dataset('never-run')]
    _write_result(run_dir, 'small', 'a', 40.0, 10)
    _write_result(run_dir, 'small', 'b', 60.0, 10)
    _write_result(run_dir, 'large', 'a', 90.0, 10)  # 'large' has no result for 'b'
    frame = DefaultSummarizer().table(run_dir, [*MODELS, 'absent'], datasets)
    rows = _rows(frame)
    assert rows[('b', 'accuracy')] == [60.0, MISSING, MISSING]
    # 'never-run' has no result at all: its row is there, every cell marked missing.
    assert frame[frame['dataset'] == 'never-run'].iloc[0].tolist() == ['never-run', *[MISSING] * 6]
    # A group is averaged for a model only when that model has every subset: 'large' would read
    # 90 (dropping b) or 45 (b as 0); it reads '-'.
    assert rows[('grp', 'naive_average')] == [50.0, MISSING, MISSING]
    assert rows[('grp', 'weighted_average')] == [50.0, MISSING, MISSING]
    # A model without any result keeps its column, all missing.
    assert frame['absent'].tolist() == [MISSING] * len(frame)


def test_an_unreadable_result_file_counts_as_missing(run_dir: RunDir) -> None:
    _write_result(run_dir, 'small', 'a', 40.0, 10)
    run_dir.results('large', 'a').parent.mkdir(parents=True, exist_ok=True)
    run_dir.results('large', 'a').write_text('{"accuracy": 3', encoding='utf-8')  # torn write
    frame = DefaultSummarizer().table(run_dir, MODELS, [_dataset('a')])
    assert frame.iloc[0].tolist() == ['a', 'v-a', 'accuracy', 'gen', 40.0, MISSING]


def test_explicit_groups_come_first_and_a_partial_group_says_how_much_it_covers(run_dir: RunDir) -> None:
    for ds, value in (('x', 10.0), ('y', 30.0)):
        for model in MODELS:
            _write_result(run_dir, model, ds, value, 5, metric='score', mode='ppl')
    _write_result(run_dir, 'small', 'z', 80.0, 5, mode='gen')
    _write_result(run_dir, 'large', 'z', 60.0, 5, mode='gen')
    summarizer = DefaultSummarizer(summary_groups=[{'name': 'xy-and-w', 'subsets': ['x', 'y', 'w']},
                                                   {'name': 'all', 'subsets': ['x', 'y', 'z']}])
    frame = summarizer.table(run_dir, MODELS, [_dataset('x', 'declared'), _dataset('y'), _dataset('z')])
    assert frame['metric'].tolist()[:3] == ['score', 'score', 'accuracy']  # each dataset's own main metric
    rows = _rows(frame)
    # 'w' is not in this run: the group is averaged over x and y, and its name says 2 of 3.
    assert rows[('xy-and-w (2/3)', 'naive_average')] == [20.0, 20.0]
    assert rows[('all', 'naive_average')] == [40.0, round(100 / 3, 2)]
    assert [r for r in frame['dataset'].tolist()[3:]] == ['xy-and-w (2/3)'] * 2 + ['all'] * 2 + ['declared'] * 2
    modes = dict(zip(frame['dataset'], frame['mode']))
    assert modes['xy-and-w (2/3)'] == 'ppl' and modes['all'] == 'mixed'


def test_summarize_writes_csv_txt_and_md_of_the_same_table(run_dir: RunDir) -> None:
    datasets = [_dataset('a', 'grp'), _dataset('b', 'grp')]
    _write_result(run_dir, 'small', 'a', 100 / 3, 3)
    _write_result(run_dir, 'small', 'b', 50.0, 2)
    _write_result(run_dir, 'large', 'a', 0.0, 3)
    text = DefaultSummarizer().summarize(run_dir, MODELS, datasets)
    summary = run_dir.root / 'summary'
    assert sorted(p.name for p in summary.iterdir()) == ['provenance.json', *(f'summary_20261201_120000.{s}'
                                                                             for s in ('csv', 'md', 'txt'))]
    with open(run_dir.summary('csv'), encoding='utf-8', newline='') as fh:
        table = list(csv.reader(fh))
    assert table == [
        ['dataset', 'version', 'metric', 'mode', 'small', 'large'],
        ['a', 'v-a', 'accuracy', 'gen', '33.33', '0.0'],
        ['b', 'v-b', 'accuracy', 'gen', '50.0', MISSING],
        ['grp', MISSING, 'naive_average', 'gen', '41.67', MISSING],
        ['grp', MISSING, 'weighted_average', 'gen', '40.0', MISSING],
    ]
    txt = run_dir.summary('txt').read_text(encoding='utf-8')
    assert txt == text + '\n'
    # txt and md hold the csv's cells (numbers to 2 decimals, however tabulate pads them).
    assert [_cells(line.split()) for line in txt.splitlines()[2:len(table) + 1]] == [_cells(row) for row in table[1:]]
    assert _cells(txt.splitlines()[0].split()) == table[0]
    md = run_dir.summary('md').read_text(encoding='utf-8').splitlines()
    assert [_cells(line.strip('|').split('|')) for line in md[2:len(table) + 1]] == [_cells(row) for row in table[1:]]
    assert _cells(md[0].strip('|').split('|')) == table[0]


def _cells(row: list[str]) -> list[Any]:
    def cell(text: str) -> Any:
        try:
            return round(float(text), 2)
        except ValueError:
            return text.strip()
    return [cell(c) for c in row]


# -- standard errors ------------------------------------------------------------------------------

def _write_stderr_run(run_dir: RunDir) -> list[dict[str, Any]]:
    """Two subsets of one group; 'large' has no stderr for 'b' (a result from before stderrs)."""
    _write_result(run_dir, 'small', 'a', 40.0, 10, stderr=3.0)
    _write_result(run_dir, 'small', 'b', 60.0, 30, stderr=4.0)
    _write_result(run_dir, 'large', 'a', 80.0, 10, stderr=2.5)
    _write_result(run_dir, 'large', 'b', 70.0, 30)
    return [_dataset('a', 'grp'), _dataset('b', 'grp')]


def test_show_stderr_adds_each_models_stderr_and_combines_it_for_group_averages(run_dir: RunDir) -> None:
    frame = DefaultSummarizer(show_stderr=True).table(run_dir, MODELS, _write_stderr_run(run_dir))
    assert list(frame.columns) == ['dataset', 'version', 'metric', 'mode', 'small', 'small stderr',
                                   'large', 'large stderr']
    rows = _rows(frame)
    assert rows[('a', 'accuracy')] == [40.0, 3.0, 80.0, 2.5]
    assert rows[('b', 'accuracy')] == [60.0, 4.0, 70.0, MISSING]
    # plain average: sqrt(3^2 + 4^2) / 2 = 2.5; weighted by 10 and 30 examples:
    # sqrt((3*10)^2 + (4*30)^2) / 40 = sqrt(900 + 14400) / 40 = 3.0923...
    assert rows[('grp', 'naive_average')] == [50.0, 2.5, 75.0, MISSING]
    assert rows[('grp', 'weighted_average')] == [55.0, round(15300 ** 0.5 / 40, 2), 72.5, MISSING]


def test_without_show_stderr_the_table_is_unchanged(run_dir: RunDir) -> None:
    frame = DefaultSummarizer().table(run_dir, MODELS, _write_stderr_run(run_dir))
    assert list(frame.columns) == ['dataset', 'version', 'metric', 'mode', *MODELS]


def test_summary_files_show_stderr_as_plus_minus_cells_and_csv_columns(run_dir: RunDir) -> None:
    text = DefaultSummarizer(show_stderr=True).summarize(run_dir, MODELS, _write_stderr_run(run_dir))
    with open(run_dir.summary('csv'), encoding='utf-8', newline='') as fh:
        table = list(csv.reader(fh))
    assert table[0] == ['dataset', 'version', 'metric', 'mode', 'small', 'small stderr', 'large', 'large stderr']
    assert table[1] == ['a', 'v-a', 'accuracy', 'gen', '40.0', '3.0', '80.0', '2.5']
    lines = text.splitlines()
    assert lines[0].split() == ['dataset', 'version', 'metric', 'mode', 'small', 'large']
    assert lines[2].split() == ['a', 'v-a', 'accuracy', 'gen', '40.00', '±', '3.00', '80.00', '±', '2.50']
    assert lines[3].split() == ['b', 'v-b', 'accuracy', 'gen', '60.00', '±', '4.00', '70.00']  # no stderr known
    assert lines[5].split() == ['grp', MISSING, 'weighted_average', 'gen', '55.00', '±', '3.09', '72.50']
    md = run_dir.summary('md').read_text(encoding='utf-8').splitlines()
    assert [c.strip() for c in md[2].strip('|').split('|')] == ['a', 'v-a', 'accuracy', 'gen', '40.00 ± 3.00',
                                                               '80.00 ± 2.50']


@pytest.mark.slow
def test_show_stderr_flag_reaches_the_summary_of_an_earlier_run(tmp_path: Path) -> None:
    """``run.py -m viz -r --show-stderr`` re-summarises result files with their stderrs; no model runs."""
    run_dir = RunDir(tmp_path / 'work' / '20261201_120000')
    _write_result(run_dir, 'smollm2-135m-instruct', 'gsm8k', 25.0, 16, stderr=10.0)
    result = run_cli('--datasets', 'gsm8k_gen', '--hf-path', 'embedded:smollm2-135m-instruct',
                     '-w', str(tmp_path / 'work'), '-r', '20261201_120000', '-m', 'viz', '--show-stderr',
                     timeout=300, env=cli_env())
    assert result.returncode == 0, result.stderr
    assert 'smollm2-135m-instruct' in result.stdout
    assert ['gsm8k', 'v-gsm8k', 'accuracy', 'gen', '25.00', '±', '10.00'] in [
        line.split() for line in result.stdout.splitlines()]
    with open(run_dir.summary('csv'), encoding='utf-8', newline='') as fh:
        assert next(csv.reader(fh)) == ['dataset', 'version', 'metric', 'mode', 'smollm2-135m-instruct',
                                        'smollm2-135m-instruct stderr']
