"""Through Slurm: the inference job is cancelled mid-dataset and the submitting process is killed; a resume
on the cluster keeps every row on disk and ends with the summary an uninterrupted run writes."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import only_run_dir, run_cli
from tests.reliability.conftest import (
    DATASETS,
    ROWS,
    TINY_CONFIG,
    intact_rows,
    kill_group,
    same_predictions,
    start_run,
    summary_csv,
    wait_until,
)
from tests.runners.conftest import queued_jobs


def _rows_by_part(run_dir: Path, unfinished_only: bool = False) -> dict[str, int]:
    """Intact rows of every predictions file, by part name ('ceval-law', or 'ceval-law_0-2' for a shard)."""
    parts = {}
    for path in (run_dir / 'predictions').rglob('*.jsonl'):
        shard = path.parent.name.endswith('.shards')
        name = f"{path.parent.name.removesuffix('.shards')}_{path.stem}" if shard else path.stem
        meta = path.with_suffix('.meta.json')
        if not (unfinished_only and meta.exists() and json.loads(meta.read_text()).get('complete')):
            parts[name] = len(intact_rows(path))
    return parts


@pytest.mark.slow
def test_scancel_and_a_killed_submitter_then_resume(reference_run: Path, slurm_partition: str,
                                                    tmp_path: Path) -> None:
    work = tmp_path / 'out'
    slurm_args = ('--slurm', '-p', slurm_partition, '--max-num-workers', '1')
    proc = start_run(work, *slurm_args, log=tmp_path / 'first.log')
    try:
        def some_rows_written() -> bool:
            runs = list(work.iterdir()) if work.exists() else []
            return bool(runs) and sum(_rows_by_part(runs[0]).values()) >= 1

        assert wait_until(some_rows_written, proc, timeout=600), (tmp_path / 'first.log').read_text()[-3000:]
        jobs = queued_jobs(work)
        assert jobs and set(jobs.values()) <= {'RUNNING', 'PENDING'}, jobs
        subprocess.run(['scancel', *jobs], check=True, capture_output=True, timeout=60)
    finally:
        kill_group(proc)  # the submitter dies too: nobody is left to notice the cancelled jobs
    deadline = time.monotonic() + 60
    while queued_jobs(work):
        assert time.monotonic() < deadline, 'the cancelled jobs never left the queue'
        time.sleep(0.5)
    run_dir = only_run_dir(work)
    kept = _rows_by_part(run_dir)
    assert 1 <= sum(kept.values()) < 2 * ROWS, kept
    unfinished = _rows_by_part(run_dir, unfinished_only=True)

    resumed = run_cli(str(TINY_CONFIG), '-w', str(work), '-r', 'latest', *slurm_args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = '\n'.join(p.read_text(errors='replace') for p in (run_dir / 'logs' / 'infer').rglob('*.log'))
    for name, rows in unfinished.items():  # rows on disk are not predicted again
        assert not rows or f'{name}: resuming, {rows} of' in log, (name, rows, log[-3000:])
    for name in set(kept) - set(unfinished):  # finished parts are not run again
        assert f'{name}: predictions complete' not in log, name
    assert summary_csv(run_dir) == summary_csv(reference_run)
    for ds in DATASETS:
        assert same_predictions(run_dir, reference_run, ds), ds
