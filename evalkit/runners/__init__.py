"""Runners execute tasks: local subprocesses (or in-process with --debug); Slurm jobs."""
from evalkit.runners.base import BaseRunner, TaskOutcome
from evalkit.runners.local import LocalRunner
from evalkit.runners.slurm import SlurmRunner

__all__ = ['BaseRunner', 'LocalRunner', 'SlurmRunner', 'TaskOutcome']
