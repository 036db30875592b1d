"""Every dataset split into ``num_worker`` row ranges, spread over ``num_worker`` tasks per model."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.partitioners.base import BasePartitioner, Part, even_ranges, make_task
from evalkit.partitioners.cost import dataset_cost
from evalkit.registry import PARTITIONERS
from evalkit.tasks.spec import TaskSpec


@PARTITIONERS.register_module()
class NumWorkerPartitioner(BasePartitioner):
    """``num_worker`` tasks per model, each with a ``1/num_worker`` slice of every dataset.

    For a known number of identical workers (GPUs, nodes) without cost estimates: each
    task loads the model once and gets an equal share of every dataset.  A dataset with
    fewer rows than ``num_worker`` gets one row per shard, and shards are dealt round
    robin, continuing where the previous dataset stopped, so small datasets spread out
    too.  Evaluation tasks deal whole datasets the same way.
    """

    def __init__(self, num_worker: int = 8) -> None:
        if num_worker < 1:
            raise ValueError(f'NumWorkerPartitioner.num_worker must be >= 1, got {num_worker}')
        self.num_worker = num_worker

    def partition(self, kind: str, models: Sequence[Mapping[str, Any]], datasets: Sequence[Mapping[str, Any]],
                  work_dir: str, num_workers: int = 1) -> list[TaskSpec]:
        tasks = []
        for model in models:
            groups: list[list[Part]] = [[] for _ in range(self.num_worker)]
            dealt = 0
            for ds in datasets:
                ranges = even_ranges(dataset_cost(model, ds).rows, self.num_worker) if kind == 'infer' else []
                parts: list[Part] = [(ds, rows) for rows in ranges] if len(ranges) > 1 else [(ds, None)]
                for part in parts:
                    groups[dealt % self.num_worker].append(part)
                    dealt += 1
            tasks.extend(make_task(kind, work_dir, model, group) for group in groups if group)
        return tasks
