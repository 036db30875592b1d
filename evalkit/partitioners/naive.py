"""One task per model and group of ``n`` datasets."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.plain import to_plain
from evalkit.partitioners.base import BasePartitioner, num_gpus_of
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
                  work_dir: str) -> list[TaskSpec]:
        tasks = []
        for model in models:
            plain_model = to_plain(model)
            for start in range(0, len(datasets), self.n):
                group = tuple(to_plain(ds) for ds in datasets[start:start + self.n])
                tasks.append(TaskSpec(kind=kind, work_dir=work_dir, model=plain_model, datasets=group,
                                      num_gpus=num_gpus_of(model) if kind == 'infer' else 0))
        return tasks
