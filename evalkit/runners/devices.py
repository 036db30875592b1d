"""The GPUs a local runner hands out: which exist, and who holds which.

Tasks declare how many GPUs they need (the model's ``run_cfg.num_gpus``); the pool
gives each running task its own devices through ``CUDA_VISIBLE_DEVICES``, so tasks
never share a GPU and the machine is never oversubscribed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


def visible_devices() -> list[str]:
    """GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` when set, else every GPU that
    ``nvidia-smi`` lists (none without a driver).  Asking nvidia-smi rather than torch
    keeps the runner process free of a multi-second torch import."""
    declared = os.environ.get('CUDA_VISIBLE_DEVICES')
    if declared is not None:
        return [d.strip() for d in declared.split(',') if d.strip()]
    if shutil.which('nvidia-smi') is None:
        return []
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=index', '--format=csv,noheader'],
                             capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return out.stdout.split() if out.returncode == 0 else []


class DevicePool:
    """Device ids shared by concurrent tasks; a claim waits until enough are free."""

    def __init__(self, devices: Sequence[str]) -> None:
        self.devices = list(devices)
        self._free = list(devices)
        self._cond = threading.Condition()

    @property
    def size(self) -> int:
        return len(self.devices)

    @contextmanager
    def claim(self, count: int) -> Iterator[list[str]]:
        """Hold ``count`` devices (all at once, so two waiting tasks cannot deadlock)."""
        if count > self.size:
            raise ValueError(f'{count} devices asked of a pool of {self.size}')
        with self._cond:
            self._cond.wait_for(lambda: len(self._free) >= count)
            held, self._free = self._free[:count], self._free[count:]
        try:
            yield held
        finally:
            with self._cond:
                self._free.extend(held)
                self._cond.notify_all()
