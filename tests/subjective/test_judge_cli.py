"""The judge stage through the real CLI (``tests/configs/judge_generic_slice.py``): the default model
answers two questions of the generic judge dataset and grades them itself with a parser that can never
match, so the run exits 1 naming dataset, model and judge; ``-r latest -m viz`` with a pattern that
reads the judge's text then passes from the judgements on disk, without asking the judge again."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import cli_env, only_run_dir, run_cli

CONFIG = 'tests/configs/judge_generic_slice.py'
# The last digit the judge wrote, read as its score: the 135M judge echoes the sums it was asked about
# rather than writing "Rating: [[N]]".  (--cfg-options would turn a value in parentheses into a tuple.)
READABLE = r'judge.parser.score_pattern=(\d)\D*$'


def _judge_files(run_dir: Path) -> dict[Path, tuple[bytes, int]]:
    """Bytes and mtimes of what the judge task writes (judgements, their meta, its spec); the summary's
    ``*.details.jsonl`` are rewritten by every summary and left out."""
    written = [*(run_dir / 'judgements').rglob('*'), *(run_dir / 'configs' / 'tasks' / 'judge').rglob('*')]
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in written
            if p.is_file() and not p.name.endswith('.details.jsonl')}


def _summary_row(run_dir: Path) -> dict[str, str]:
    with open(run_dir / 'summary' / f'subjective_{run_dir.name}.csv', encoding='utf-8') as fh:
        row, = csv.DictReader(fh)
    return row


@pytest.mark.slow
def test_unreadable_judgements_fail_the_run_and_viz_rereads_them_without_judging(work_dir: Path) -> None:
    env = cli_env(OMP_NUM_THREADS='1')  # one torch thread: two stall each other on a shared machine
    first = run_cli(CONFIG, '--limit', '2', '--debug', '-w', str(work_dir), env=env)

    assert first.returncode == 1, first.stdout[-2000:] + first.stderr[-3000:]
    assert 'judge: 1 task(s)' in first.stdout
    assert ('evalkit: error: subjective-generic / smollm2-135m-instruct judged by smollm2-judge: 2 of 2 '
            'judgements (100%) could not be parsed') in first.stderr
    run_dir = only_run_dir(work_dir)
    row = _summary_row(run_dir)
    assert (row['judged'], row['parse_failures'], row['overall']) == ('2', '2', '-')
    judged = _judge_files(run_dir)
    assert any(p.name == 'subjective-generic.jsonl' for p in judged), sorted(judged)

    second = run_cli(CONFIG, '--limit', '2', '-r', 'latest', '-m', 'viz', '-w', str(work_dir),
                     '--cfg-options', READABLE, env=env)

    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    assert 'judge:' not in second.stdout and 'judgements complete' not in second.stdout  # no judge task ran
    assert _judge_files(run_dir) == judged
    details_path = run_dir / 'judgements' / 'smollm2-judge' / 'smollm2-135m-instruct' / 'subjective-generic.details.jsonl'
    details = [json.loads(line) for line in details_path.read_text(encoding='utf-8').splitlines()]
    assert [d['parsed'] for d in details] == [True, True], details
    row = _summary_row(run_dir)
    assert (row['judged'], row['parse_failures']) == ('2', '0')
    assert float(row['overall']) == pytest.approx(sum(d['score'] for d in details) / 2, abs=0.01)
    assert "Judges' summary written to" in second.stdout
