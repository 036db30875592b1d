"""SlurmRunner against a real one-node cluster: same results as a local run, retries, failures, interrupts."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, cli_env, only_run_dir, run_cli
from tests.fake_model import fake_config
from tests.runners.conftest import queued_jobs

pytestmark = [pytest.mark.slurm, pytest.mark.slow]


def _slurm_runner(partition: str, **options: object) -> dict:
    return {'runner': {'type': 'SlurmRunner', 'partition': partition, 'poll_interval': 0.3, **options}}


def _trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def test_demo_slice_summary_on_slurm_equals_local(slurm_partition: str, tmp_path: Path) -> None:
    """The real model on a slice of the demo, once locally and once through sbatch jobs."""
    args = ['tests/configs/demo_slice.py', '--limit', '1']
    local = run_cli(*args, '-w', str(tmp_path / 'local'), '--max-num-workers', '2')
    assert local.returncode == 0, local.stderr[-3000:]
    slurm = run_cli(*args, '-w', str(tmp_path / 'slurm'), '--slurm', '-p', slurm_partition)
    assert slurm.returncode == 0, slurm.stderr[-3000:]
    summaries = [next((only_run_dir(tmp_path / kind) / 'summary').glob('*.csv')).read_text(encoding='utf-8')
                 for kind in ('local', 'slurm')]
    assert summaries[0] == summaries[1]
    scores = {row.split(',')[0]: row.split(',')[-1] for row in summaries[0].splitlines()[1:]}
    assert scores.keys() >= {'ceval-computer_network', 'gsm8k-demo'} and '-' not in scores.values()
    scripts = list((only_run_dir(tmp_path / 'slurm') / 'configs' / 'tasks' / 'infer').rglob('*.sbatch'))
    assert scripts, 'the Slurm run did not go through sbatch'


def test_sequential_jobs_and_a_retried_failure(slurm_partition: str, tmp_path: Path) -> None:
    """At most one job in flight; a task that fails once succeeds on its retry.  The work
    folder's name is hostile to shells, which the generated batch scripts must survive."""
    work = tmp_path / "it's a $(touch pwned) dir"
    trace, counter = tmp_path / 'trace.jsonl', tmp_path / 'failures'
    config = tmp_path / 'fake.py'
    config.write_text(fake_config(subjects=('law', 'logic', 'marxism'), trace=str(trace), fail_on='[ceval-logic]',
                                  fail_times=1, counter=str(counter),
                                  infer=dict(partitioner=dict(type='NaivePartitioner'),
                                             **_slurm_runner(slurm_partition, max_num_workers=1))))
    result = run_cli(str(config), '-w', str(work), '--retry', '1', '-m', 'infer')
    assert result.returncode == 0, result.stderr[-3000:]
    assert counter.read_text() == '1'
    assert 'Retrying 1 failed task(s)' in result.stderr + result.stdout
    assert not list(tmp_path.rglob('pwned')) and not (PROJECT_ROOT / 'pwned').exists()
    jobs = {}
    for row in _trace(trace):
        start, end = jobs.get(row['job'], (row['start'], row['end']))
        jobs[row['job']] = (min(start, row['start']), max(end, row['end']))
    spans = sorted(jobs.values())
    assert len(spans) == 3 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans  # never two at once
    assert all(job is not None for job in jobs)


def test_always_failing_task_is_reported_and_others_complete(slurm_partition: str, tmp_path: Path) -> None:
    config = tmp_path / 'fake.py'
    config.write_text(fake_config(subjects=('law', 'logic', 'marxism'), fail_on='[ceval-logic]', fail_times=99,
                                  infer=dict(partitioner=dict(type='NaivePartitioner'),
                                             **_slurm_runner(slurm_partition))))
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), '--retry', '1')
    assert result.returncode == 1
    assert '1 task(s) failed' in result.stderr
    assert 'infer:fake/ceval-logic failed (exit code 1)' in result.stderr
    assert 'planned failure' in result.stderr  # the error itself, not only a log path
    results = only_run_dir(tmp_path / 'out') / 'results' / 'fake'
    assert sorted(p.name for p in results.glob('*.json')) == ['ceval-law.json', 'ceval-marxism.json']


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_interrupt_cancels_every_submitted_job(slurm_partition: str, tmp_path: Path, sig: int) -> None:
    config = tmp_path / 'fake.py'
    config.write_text(fake_config(sleep=300, infer=dict(partitioner=dict(type='NaivePartitioner'),
                                                        **_slurm_runner(slurm_partition))))
    proc = subprocess.Popen([sys.executable, 'run.py', str(config), '-w', str(tmp_path / 'out')], cwd=PROJECT_ROOT,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while len(queued_jobs(tmp_path)) < 4:  # 2 running on the 2 CPUs, 2 pending
            assert proc.poll() is None and time.time() < deadline, 'jobs were never all submitted'
            time.sleep(0.3)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr[-2000:]
    assert "Cancelling 4 Slurm job(s)" in stdout + stderr
    assert queued_jobs(tmp_path) == {}
