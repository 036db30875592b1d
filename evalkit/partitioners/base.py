"""The partitioner contract, and the pieces every partitioner builds tasks from."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.plain import to_plain
from evalkit.tasks.spec import RowRange, TaskSpec

# One dataset (or a row range of it) inside a task.
Part = tuple[Mapping[str, Any], RowRange | None]


def num_gpus_of(model_cfg: Mapping[str, Any]) -> int:
    return int((model_cfg.get('run_cfg') or {}).get('num_gpus', 0))


def even_ranges(rows: int, shards: int) -> list[RowRange]:
    """``rows`` split into ``shards`` contiguous ranges whose sizes differ by at most one."""
    shards = max(1, min(shards, rows))
    bounds = [rows * k // shards for k in range(shards + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(shards)]


def make_task(kind: str, work_dir: str, model: Mapping[str, Any], parts: Sequence[Part]) -> TaskSpec:
    """A task over ``parts``; a task with no shard carries no row ranges (whole datasets)."""
    ranges = tuple(rows for _, rows in parts)
    return TaskSpec(kind=kind, work_dir=work_dir, model=to_plain(model),
                    datasets=tuple(to_plain(ds) for ds, _ in parts),
                    num_gpus=num_gpus_of(model) if kind == 'infer' else 0,
                    row_ranges=ranges if any(r is not None for r in ranges) else ())


class BasePartitioner(ABC):
    @abstractmethod
    def partition(self, kind: str, models: Sequence[Mapping[str, Any]], datasets: Sequence[Mapping[str, Any]],
                  work_dir: str, num_workers: int = 1) -> list[TaskSpec]:
        """Tasks of ``kind`` covering every (model, dataset) pair.

        ``num_workers`` is how many tasks the runner executes at once, for partitioners
        that balance work across workers.  Only inference tasks may split a dataset.
        """
