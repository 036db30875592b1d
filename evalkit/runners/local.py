"""Run tasks as subprocesses on this machine (or in this process with ``debug=True``)."""
from __future__ import annotations

import importlib
import os
import subprocess
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from evalkit.registry import RUNNERS
from evalkit.runners.base import BaseRunner, Progress, task_command
from evalkit.runners.devices import DevicePool, visible_devices
from evalkit.tasks import TASK_MODULES
from evalkit.tasks.spec import TaskSpec

EXIT_INTERRUPTED = 130
EXIT_UNSCHEDULABLE = 2
TERMINATE_GRACE_S = 10.0  # how long a terminated task may take to exit before it is killed


@RUNNERS.register_module()
class LocalRunner(BaseRunner):
    """Up to ``max_num_workers`` task processes at once, each with its share of CPU threads
    and its own GPUs.

    ``devices`` is the GPU pool: a list of ids, or a count n meaning ids 0..n-1; by default
    the GPUs visible to this process.  A task gets ``num_gpus`` of them in
    ``CUDA_VISIBLE_DEVICES`` and waits while they are taken.  Without any GPU, tasks that
    ask for GPUs run on the CPU instead of waiting forever; a task needing more GPUs than
    the pool has fails at once with that reason.
    """

    def __init__(self, max_num_workers: int = 1, devices: int | list | None = None, retry: int = 0,
                 debug: bool = False) -> None:
        super().__init__(retry=retry, debug=debug)
        self.max_num_workers = max(1, max_num_workers)
        self.devices = devices
        self._pool: DevicePool | None = None
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def num_workers(self) -> int:
        return 1 if self.debug else self.max_num_workers

    def pool(self) -> DevicePool:
        """The GPU pool, looked up on first need (tasks without GPUs never query the driver)."""
        if self._pool is None:
            if isinstance(self.devices, int):
                ids = [str(i) for i in range(self.devices)]
            else:
                ids = [str(d) for d in self.devices] if self.devices is not None else visible_devices()
            self._pool = DevicePool(ids)
            if not ids:
                tqdm.write('No GPU visible (CUDA_VISIBLE_DEVICES / nvidia-smi) and no runner devices declared: '
                           'tasks that ask for GPUs run on the CPU.')
        return self._pool

    def _env(self, devices: list[str]) -> dict[str, str]:
        env = dict(os.environ)
        if 'OMP_NUM_THREADS' not in env:
            env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // self.max_num_workers))
        env['CUDA_VISIBLE_DEVICES'] = ','.join(devices)
        return env

    def _run_subprocess(self, spec: TaskSpec, spec_path: Path, log_path: Path, progress: Progress) -> int:
        pool = self.pool() if spec.num_gpus else DevicePool([])
        if spec.num_gpus > pool.size > 0:
            log_path.write_text(f'Task {spec.name} needs {spec.num_gpus} GPUs, but the runner has {pool.size} '
                                f'({", ".join(pool.devices)}). Lower run_cfg.num_gpus or give the runner '
                                f'more devices.\n', encoding='utf-8')
            return EXIT_UNSCHEDULABLE
        with pool.claim(min(spec.num_gpus, pool.size)) as devices, open(log_path, 'w', encoding='utf-8') as log:
            with self._lock:
                if self._stopping:
                    return EXIT_INTERRUPTED
                proc = subprocess.Popen(task_command(spec_path, spec.kind), stdout=log, stderr=subprocess.STDOUT,
                                        env=self._env(devices))
                self._procs.add(proc)
            progress.started(spec)
            try:
                return proc.wait()
            finally:
                with self._lock:
                    self._procs.discard(proc)

    def _stop_all(self) -> None:
        """Ctrl-C / SIGTERM: end every task process this runner started, start no more, and wait until
        they are gone, so a run resumed right after this one returns never races a dying task's last write."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=TERMINATE_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

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
        progress = self.progress(len(tasks))
        with ThreadPoolExecutor(self.max_num_workers) as pool:
            try:
                futures = {pool.submit(self._run_subprocess, *t, progress): n for n, t in enumerate(tasks)}
                for future in as_completed(futures):
                    n = futures[future]
                    codes[n] = future.result()
                    progress.finished(tasks[n][0], codes[n], tasks[n][2])
            except BaseException:
                self._stop_all()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                progress.close()
        return codes
