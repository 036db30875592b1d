"""How SlurmRunner builds submissions and decides that a job ended (no cluster needed)."""
from __future__ import annotations

from pathlib import Path

from evalkit.partitioners.base import make_task
from evalkit.runners.slurm import EXIT_KILLED, Job, SlurmRunner


def _job(tmp_path: Path, marker: str | None = None) -> Job:
    job = Job('42', tmp_path / 'task.exitcode', tmp_path / 'task.log')
    job.log_path.write_text('task output\n')
    if marker is not None:
        job.marker.write_text(marker)
    return job


def test_sbatch_arguments_carry_every_option_as_one_argument(tmp_path: Path) -> None:
    runner = SlurmRunner(partition='gpu', qos='high', cpus_per_task=8, mem='64G', time_limit='4:00:00',
                         extra_args=['--account=my lab'])
    spec = make_task('infer', str(tmp_path), {'abbr': 'm', 'run_cfg': {'num_gpus': 2}}, [({'abbr': 'd'}, (0, 5))])
    argv = runner.sbatch_argv(spec, tmp_path / '100%.log', tmp_path / 'task.sbatch')
    assert argv[0] == 'sbatch' and argv[-1] == str(tmp_path / 'task.sbatch')
    for expected in ('--partition=gpu', '--qos=high', '--cpus-per-task=8', '--mem=64G', '--time=4:00:00',
                     '--gres=gpu:2', '--account=my lab', '--job-name=evalkit-infer-m/d_0-5',
                     f'--output={tmp_path}/100%%.log'):  # sbatch would expand a bare % in file names
        assert expected in argv
    assert not any(a.startswith('--quotatype') for a in argv)


def test_a_job_is_done_when_its_marker_says_so_even_after_slurm_forgot_it(tmp_path: Path) -> None:
    runner = SlurmRunner()
    assert runner.exit_code(_job(tmp_path, '0\n'), states={}) == 0
    assert runner.exit_code(_job(tmp_path, '3\n'), states={'42': 'FAILED'}) == 3
    assert runner.exit_code(_job(tmp_path, '0\n'), states=None) == 0  # squeue down: the marker still counts


def test_a_job_without_marker_is_running_until_slurm_says_it_ended(tmp_path: Path) -> None:
    runner = SlurmRunner()
    assert runner.exit_code(_job(tmp_path), states={'42': 'PENDING'}) is None
    assert runner.exit_code(_job(tmp_path), states={'42': 'COMPLETING'}) is None
    assert runner.exit_code(_job(tmp_path), states=None) is None  # squeue failed: ask again later
    # Not listed: scontrol is asked (see test_slurm_vanished_job.py), and even a job Slurm forgot gets a grace
    # period, because its marker may still be on its way (NFS).
    assert runner.exit_code(_job(tmp_path), states={}) is None


def test_a_killed_job_fails_at_once_and_says_how_in_its_log(tmp_path: Path) -> None:
    job = _job(tmp_path)
    assert SlurmRunner().exit_code(job, states={'42': 'TIMEOUT'}) == EXIT_KILLED
    assert 'Slurm job 42 ended TIMEOUT before the task recorded an exit code' in job.log_path.read_text()
