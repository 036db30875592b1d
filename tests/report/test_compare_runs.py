"""``tools/compare_runs.py`` on real run folders.

One real run (the real CLI in a subprocess, the fake model on two C-Eval sample subjects: the
comparison reads run folders, so any model's run serves) is copied; in the copy a few predictions
are changed and the copy re-scored by the real CLI (``-m eval -r``), so its results and details are
what evalkit writes.  The comparison must list exactly the rows whose verdict flipped, with deltas
that match the two results files; a third copy whose dataset version differs must be flagged not
comparable, its numbers still shown and its questions not compared.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import only_run_dir, run_cli
from tests.fake_model import fake_config
from tools.compare_runs import main as compare_runs_main

FLIP = {'ceval-law': [0, 2], 'ceval-logic': [1]}  # rows whose prediction the copy changes
OTHER_ANSWER = {'A': 'B', 'B': 'C', 'C': 'D', 'D': 'A'}


def _rewrite_jsonl(path: Path, change: dict[int, dict]) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]
    path.write_text(''.join(json.dumps({**r, **change.get(r['index'], {})}, ensure_ascii=False) + '\n' for r in rows),
                    encoding='utf-8')


def _flipped_prediction(row: dict) -> str:
    """The gold answer where the run was wrong, a wrong letter where it was right."""
    return row['gold'] if row['prediction'] != row['gold'] else OTHER_ANSWER[row['gold']]


def _compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``python tools/compare_runs.py ARGS``, in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = compare_runs_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope='module')
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The real run, its re-scored copy with flipped answers, and a copy with another dataset version."""
    tmp = tmp_path_factory.mktemp('compare')
    config = tmp / 'fake_ceval.py'
    config.write_text(fake_config(subjects=('law', 'logic')), encoding='utf-8')
    first = run_cli(str(config), '-w', str(tmp / 'a'))
    assert first.returncode == 0, first.stderr
    base = only_run_dir(tmp / 'a')
    flipped = tmp / 'b' / base.name
    shutil.copytree(base, flipped)
    for dataset, indices in FLIP.items():
        path = flipped / 'predictions' / 'fake' / f'{dataset}.jsonl'
        rows = {r['index']: r for r in map(json.loads, path.read_text(encoding='utf-8').splitlines())}
        _rewrite_jsonl(path, {i: {'prediction': _flipped_prediction(rows[i])} for i in indices})
    rescored = run_cli(str(config), '-w', str(tmp / 'b'), '-m', 'eval', '-r', base.name)
    assert rescored.returncode == 0, rescored.stderr
    other_version = tmp / 'c' / base.name
    shutil.copytree(base, other_version)
    result_path = other_version / 'results' / 'fake' / 'ceval-law.json'
    result = json.loads(result_path.read_text(encoding='utf-8'))
    result_path.write_text(json.dumps({**result, 'version': 'abc123'}), encoding='utf-8')
    return base, flipped, other_version


def _details(run: Path, dataset: str) -> dict[int, dict]:
    lines = (run / 'results' / 'fake' / f'{dataset}.details.jsonl').read_text(encoding='utf-8').splitlines()
    return {r['index']: r for r in map(json.loads, lines)}


def test_lists_exactly_the_questions_whose_verdict_changed(runs: tuple[Path, Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    base, flipped, _ = runs
    html = tmp_path / 'comparison.html'
    code, out, err = _compare(capsys, str(base), str(flipped), '--html', str(html))
    assert code == 0, err
    assert 'Not comparable' not in out
    for dataset, indices in FLIP.items():
        before, after = _details(base, dataset), _details(flipped, dataset)
        prompts = {r['index']: r['prompt'] for r in map(json.loads, (flipped / 'predictions' / 'fake' / f'{dataset}.jsonl')
                   .read_text(encoding='utf-8').splitlines())}
        assert [i for i in before if before[i]['correct'] != after[i]['correct']] == indices  # the copy re-scored
        section = out.split(f'### {dataset}:')[1].split('###')[0]
        listed = [int(line.split('|')[1]) for line in section.splitlines() if line.startswith('| ') and
                  line.split('|')[1].strip().isdigit()]
        assert listed == indices, section
        for i in indices:
            row = next(line for line in section.splitlines() if line.startswith(f'| {i} |'))
            cells = [c.strip() for c in row.split('|')[1:-1]]
            assert cells[2:] == [before[i]['pred'], after[i]['pred'], 'right' if after[i]['correct'] else 'wrong']
            assert cells[1] == ' '.join(prompts[i].split())  # a base prompt without turns: all of it
        scores = [json.loads((run / 'results' / 'fake' / f'{dataset}.json').read_text(encoding='utf-8'))['accuracy']
                  for run in (base, flipped)]
        assert f'| {dataset} | accuracy | {scores[0]:.2f} | {scores[1]:.2f} ({scores[1] - scores[0]:+.2f}) |' in out
    page = html.read_text(encoding='utf-8')
    assert page.startswith('<!DOCTYPE html>') and '<style>' in page
    assert 'src=' not in page and 'href=' not in page  # one file: nothing to load
    assert page.count('<tr><td class="num">') == sum(map(len, FLIP.values()))


def test_a_version_mismatch_is_shown_and_not_compared(runs: tuple[Path, Path, Path],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    base, _, other_version = runs
    code, out, err = _compare(capsys, str(base), str(other_version))
    assert code == 0, err
    assert '## Not comparable' in out
    reason = next(line for line in out.splitlines() if line.startswith('- ceval-law,'))
    assert 'dataset version' in reason and 'abc123' in reason
    law = next(line for line in out.splitlines() if line.startswith('| ceval-law |'))
    assert law.rstrip(' |').endswith('⚠')  # the number is shown, marked
    assert '### ceval-law' not in out
    assert 'None: every comparable question got the same verdict.' in out  # ceval-logic: same answers


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path, runs: tuple[Path, Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _compare(capsys, str(runs[0]), str(tmp_path))
    assert code == 2
    assert f"'{tmp_path}' is not a run folder" in err
