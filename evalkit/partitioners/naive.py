"""One task per model and group of ``n`` datasets."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.partitioners.base import BasePartitioner, make_task
from evalkit.registry import PARTITIONERS
from evalkit.tasks.spec import TaskSpec


@PARTITIONERS.register_module()
class NaivePartitioner(BasePartitioner):
    """``n`` datasets per task (1: one task per model x dataset).

    Several datasets per task pay the process start and model load once, which is
    what many small subsets (C-Eval's 52 subjects) need.
    """

    def __init__(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError(f'NaivePartitioner.n must be >= 1, got {n}')
        self.n = n

    def partition(self, kind: str, models: Sequence[Mapping[str, Any]], datasets: Sequence[Mapping[str, Any]],
                  work_dir: str, num_workers: int = 1) -> list[TaskSpec]:
        return [make_task(kind, work_dir, model, [(ds, None) for ds in datasets[start:start + self.n]])
                for model in models for start in range(0, len(datasets), self.n)]
