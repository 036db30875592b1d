"""A predictions file damaged after it was marked complete is never scored: the run fails naming the file,
what is wrong and how to recover, and following that advice ends with the uninterrupted run's summary."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.reliability.conftest import DATASETS, TINY_CONFIG, predictions, same_predictions, summary_csv


def _resume(work: Path):
    return run_cli(str(TINY_CONFIG), '-w', str(work), '-r', 'latest')


@pytest.mark.slow
def test_damaged_predictions_fail_scoring_and_the_advice_recovers(reference_run: Path, tmp_path: Path) -> None:
    work = tmp_path / 'out'
    run_dir = work / reference_run.name
    shutil.copytree(reference_run, run_dir)
    law, logic = (predictions(run_dir, ds) for ds in DATASETS)
    result = run_dir / 'results' / 'smollm2' / 'ceval-law.json'

    lines = law.read_text(encoding='utf-8').splitlines(keepends=True)
    law.write_text(lines[0] + '{"index": 1, "predic\n' + lines[2], encoding='utf-8')
    failed = _resume(work)
    assert failed.returncode == 1
    assert f'{law}: line 2 of 3 is not a prediction record' in failed.stderr
    assert f'delete {law} and run again with -r' in failed.stderr
    assert not result.exists(), 'the old score of a damaged file must not stay in the summary'
    assert re.search(r'ceval-law\s+\S+\s+-', failed.stdout), failed.stdout  # the summary shows no score

    law.unlink()  # the advice
    fixed = _resume(work)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert summary_csv(run_dir) == summary_csv(reference_run)

    lines = logic.read_text(encoding='utf-8').splitlines(keepends=True)
    logic.write_text(lines[0] + lines[2], encoding='utf-8')  # a row lost after the file was marked complete
    failed = _resume(work)
    assert failed.returncode == 1
    assert f'{logic} cannot be scored: it has 2 records for a dataset of 3 rows; row(s) 1 are missing.' \
        in failed.stderr
    assert 'Resume the run with -r to predict the missing rows again' in failed.stderr
    fixed = _resume(work)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert 'ceval-logic: resuming, 2 of 3 rows already predicted' in ''.join(
        p.read_text(errors='replace') for p in (run_dir / 'logs' / 'infer').rglob('*.log'))
    assert summary_csv(run_dir) == summary_csv(reference_run)
    for ds in DATASETS:
        assert same_predictions(run_dir, reference_run, ds), ds
