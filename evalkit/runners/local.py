"""Run tasks as subprocesses on this machine (or in this process with ``debug=True``)."""
from __future__ import annotations

import importlib
import os
import subprocess
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from evalkit.registry import RUNNERS
from evalkit.runners.base import BaseRunner, TaskOutcome, task_command
from evalkit.tasks import TASK_MODULES
from evalkit.tasks.spec import TaskSpec


@RUNNERS.register_module()
class LocalRunner(BaseRunner):
    """Up to ``max_num_workers`` task processes at once, each with its share of CPU threads."""

    def __init__(self, max_num_workers: int = 1, retry: int = 0, debug: bool = False) -> None:
        super().__init__(retry=retry, debug=debug)
        self.max_num_workers = max(1, max_num_workers)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if 'OMP_NUM_THREADS' not in env:
            env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // self.max_num_workers))
        return env

    def _run_subprocess(self, spec: TaskSpec, spec_path: Path, log_path: Path) -> int:
        with open(log_path, 'w', encoding='utf-8') as log:
            return subprocess.run(task_command(spec_path, spec.kind), stdout=log, stderr=subprocess.STDOUT,
                                  env=self._env(), check=False).returncode

    @staticmethod
    def _run_in_process(spec: TaskSpec) -> int:
        """Debug mode: output goes straight to the terminal, tracebacks included."""
        try:
            importlib.import_module(TASK_MODULES[spec.kind]).run(spec)
        except Exception:
            traceback.print_exc()
            return 1
        return 0

    def run_tasks(self, tasks: Sequence[tuple[TaskSpec, Path, Path]]) -> list[int]:
        if self.debug:
            return [self._run_in_process(spec) for spec, _, _ in tasks]
        codes: list[int] = [0] * len(tasks)
        with tqdm(total=len(tasks), desc='tasks', unit='task') as bar, \
                ThreadPoolExecutor(self.max_num_workers) as pool:
            futures = {pool.submit(self._run_subprocess, *t): n for n, t in enumerate(tasks)}
            for future in as_completed(futures):
                n = futures[future]
                codes[n] = future.result()
                if codes[n] != 0:
                    spec, _, log_path = tasks[n]
                    tqdm.write(TaskOutcome(spec, codes[n], log_path).describe_failure())
                bar.update(1)
        return codes

