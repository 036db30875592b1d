"""The partitioner contract."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.tasks.spec import TaskSpec


def num_gpus_of(model_cfg: Mapping[str, Any]) -> int:
    return int((model_cfg.get('run_cfg') or {}).get('num_gpus', 0))


class BasePartitioner(ABC):
    @abstractmethod
    def partition(self, kind: str, models: Sequence[Mapping[str, Any]], datasets: Sequence[Mapping[str, Any]],
                  work_dir: str) -> list[TaskSpec]:
        """Tasks of ``kind`` covering every (model, dataset) pair."""
