"""What a run uses when its config does not say: how to split work, run it and summarise it."""
from __future__ import annotations

from typing import Any

DEFAULT_WORKERS = 1


def default_stage(kind: str, max_num_workers: int, debug: bool) -> dict[str, Any]:
    # Several datasets per task: one process start and one model load serve them all.
    per_task = 16 if kind == 'infer' else 64
    return {'partitioner': {'type': 'NaivePartitioner', 'n': per_task},
            'runner': {'type': 'LocalRunner', 'max_num_workers': max_num_workers, 'debug': debug}}


DEFAULT_SUMMARIZER: dict[str, Any] = {'type': 'DefaultSummarizer'}
