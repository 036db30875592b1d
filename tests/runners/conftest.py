"""A real one-node Slurm cluster for the runner tests, started once per session.

The cluster comes from ``../shared/slurm/start-slurm.sh`` (Debian's slurm-wlm, installed
with apt on first use).  Without root (or password-less sudo), or without Slurm and apt,
the Slurm tests are skipped with the reason shown in pytest's summary, never silently.
A cluster this session started is stopped at its end; one that was already running
(another session's, or CI's) is left alone.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SLURM_SCRIPTS = PROJECT_ROOT.parent / 'shared' / 'slurm'
PARTITION = 'debug'


def _unavailable_reason() -> str | None:
    if not (SLURM_SCRIPTS / 'start-slurm.sh').is_file():
        return f'no Slurm scripts at {SLURM_SCRIPTS}'
    if os.geteuid() != 0 and subprocess.run(['sudo', '-n', 'true'], capture_output=True).returncode != 0:
        return 'starting a local Slurm cluster needs root or password-less sudo'
    if shutil.which('sbatch') is None and shutil.which('apt-get') is None:
        return 'Slurm is not installed and there is no apt-get to install it'
    return None


def _cluster_up() -> bool:
    return shutil.which('sinfo') is not None and subprocess.run(
        ['sinfo', '--noheader', f'--partition={PARTITION}'], capture_output=True, timeout=30).returncode == 0


@pytest.fixture(scope='session')
def slurm_partition() -> Iterator[str]:
    """The partition of a running local cluster (started here if needed)."""
    reason = _unavailable_reason()
    if reason:
        pytest.skip(f'Slurm tests need a real cluster: {reason}')
    was_up = _cluster_up()
    if not was_up:
        started = subprocess.run(['bash', str(SLURM_SCRIPTS / 'start-slurm.sh')], capture_output=True, text=True,
                                 timeout=600)
        assert started.returncode == 0, f'start-slurm.sh failed:\n{started.stdout}\n{started.stderr}'
    yield PARTITION
    if not was_up:
        subprocess.run(['bash', str(SLURM_SCRIPTS / 'stop-slurm.sh')], capture_output=True, timeout=120)


def queued_jobs(under: Path) -> dict[str, str]:
    """Jobs squeue still shows as queued or running whose batch script lies under ``under``
    (other sessions may share the cluster), as job id -> state."""
    out = subprocess.run(['squeue', '--noheader', '--format=%i|%T|%o'], capture_output=True, text=True,
                         timeout=30, check=True)
    jobs = (line.split('|', 2) for line in out.stdout.splitlines() if line.strip())
    return {job_id: state for job_id, state, script in jobs if script.startswith(str(under))}
