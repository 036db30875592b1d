"""Run many programs in the sandbox at once, one process each, as many at a time as there are cores."""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from evalkit.sandbox.available import available_layers
from evalkit.sandbox.limits import SandboxLimits
from evalkit.sandbox.process import Outcome, run_in_sandbox


def run_all(jobs: Sequence[tuple[str, str]], limits: SandboxLimits, workers: int | None = None) -> list[Outcome]:
    """The outcome of each (program, checker) pair, in order.  Threads only wait on child
    processes, so the pool costs nothing beyond the programs themselves."""
    layers = available_layers()
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(lambda job: run_in_sandbox(job[0], job[1], limits, layers), jobs))
