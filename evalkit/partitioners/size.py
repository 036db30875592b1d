"""Tasks of similar estimated cost: large datasets split into row ranges, small ones packed together."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.partitioners.base import BasePartitioner, Part, even_ranges, make_task
from evalkit.partitioners.cost import GEN_TOKEN_COST, dataset_cost
from evalkit.registry import PARTITIONERS
from evalkit.tasks.spec import TaskSpec


def balance(items: Sequence[tuple[Part, float]], k: int) -> tuple[list[list[Part]], float]:
    """``k`` groups of about equal cost and the heaviest group's cost.

    Largest item first into the lightest group (LPT): loads end within one item of each
    other.  Groups come out heaviest first, so runners start them first; items keep
    their given order inside a group.
    """
    loads, groups = [0.0] * k, [[] for _ in range(k)]
    for i in sorted(range(len(items)), key=lambda i: -items[i][1]):
        lightest = min(range(k), key=loads.__getitem__)
        groups[lightest].append(i)
        loads[lightest] += items[i][1]
    order = sorted((g for g in range(k) if groups[g]), key=lambda g: -loads[g])
    return [[items[i][0] for i in sorted(groups[g])] for g in order], max(loads)


def pack(items: Sequence[tuple[Part, float]], capacity: float) -> list[list[Part]]:
    """The fewest balanced groups with none above ``capacity`` (unless an item alone is)."""
    total = sum(cost for _, cost in items)
    for k in range(min(max(1, math.ceil(total / capacity)), len(items)), len(items)):
        groups, heaviest = balance(items, k)
        if heaviest <= capacity:
            return groups
    return balance(items, len(items))[0]


@PARTITIONERS.register_module()
class SizePartitioner(BasePartitioner):
    """Splits work into tasks of similar estimated cost (see ``evalkit.partitioners.cost``).

    A dataset costing more than ``max_task_size`` is split into equal row ranges
    (inference only); datasets and ranges are then packed into as few tasks as fit.
    ``max_task_size=None`` sizes tasks from the work itself: about ``tasks_per_worker``
    tasks per worker, so a worker that finishes early takes the next task instead of
    idling while another works through an underestimated one; with one worker the
    whole run is one task, since more would only add process starts and model loads.
    """

    def __init__(self, max_task_size: int | None = None, tasks_per_worker: int = 2,
                 gen_token_cost: float = GEN_TOKEN_COST) -> None:
        if max_task_size is not None and max_task_size <= 0:
            raise ValueError(f'SizePartitioner.max_task_size must be positive, got {max_task_size}')
        self.max_task_size = max_task_size
        self.tasks_per_worker = max(1, tasks_per_worker)
        self.gen_token_cost = gen_token_cost

    def partition(self, kind: str, models: Sequence[Mapping[str, Any]], datasets: Sequence[Mapping[str, Any]],
                  work_dir: str, num_workers: int = 1) -> list[TaskSpec]:
        tasks = []
        for model in models:
            costs = [dataset_cost(model, ds, self.gen_token_cost) for ds in datasets]
            target = 1 if num_workers <= 1 else self.tasks_per_worker * num_workers
            capacity = self.max_task_size or sum(c.total for c in costs) / target
            items: list[tuple[Part, float]] = []
            for ds, cost in zip(datasets, costs):
                shards = math.ceil(cost.total / capacity) if kind == 'infer' and capacity > 0 else 1
                if shards <= 1 or cost.rows <= 1:
                    items.append(((ds, None), cost.total))
                    continue
                items.extend(((ds, rows), (rows[1] - rows[0]) * cost.row_cost)
                             for rows in even_ranges(cost.rows, shards))
            groups = pack(items, capacity) if self.max_task_size else balance(items, min(target, len(items)))[0]
            tasks.extend(make_task(kind, work_dir, model, parts) for parts in groups)
        return tasks
