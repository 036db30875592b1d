"""A job squeue stops listing is not taken for dead while Slurm's controller says it still runs:
retrying it then would put two jobs on one predictions file."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from evalkit.runners import slurm
from evalkit.runners.slurm import EXIT_KILLED, Job, SlurmRunner, confirmed_state


def _submit_sleeper(tmp_path: Path, partition: str) -> str:
    out = subprocess.run(['sbatch', '--parsable', f'--partition={partition}', f'--output={tmp_path}/job.log',
                          '--wrap', 'sleep 120'], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().split(';')[0]


def _wait_running(job_id: str) -> None:
    deadline = time.monotonic() + 60
    while confirmed_state(job_id) != 'RUNNING':
        assert time.monotonic() < deadline, f'job {job_id} never started'
        time.sleep(0.5)


def test_a_running_job_missing_from_squeue_is_still_waited_for(slurm_partition: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slurm, 'MARKER_GRACE_S', 0.0)  # no grace: only Slurm's own answer can save the job
    job_id = _submit_sleeper(tmp_path, slurm_partition)
    job = Job(job_id, tmp_path / 'task.exitcode', tmp_path / 'task.log')
    job.log_path.write_text('')
    try:
        _wait_running(job_id)
        runner = SlurmRunner(partition=slurm_partition)
        assert runner.exit_code(job, states={}) is None  # squeue "lost" it, scontrol still shows it running
    finally:
        subprocess.run(['scancel', job_id], capture_output=True, timeout=60)
    deadline = time.monotonic() + 60
    while (code := runner.exit_code(job, states={})) is None:
        assert time.monotonic() < deadline, 'the cancelled job was never seen to end'
        time.sleep(0.5)
    assert code == EXIT_KILLED
    assert f'Slurm job {job_id} ended CANCELLED before the task recorded an exit code' in job.log_path.read_text()


def test_a_job_slurm_no_longer_knows_at_all_counts_as_ended(slurm_partition: str) -> None:
    assert confirmed_state('999999999') == slurm.FORGOTTEN
