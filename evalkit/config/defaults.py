"""What a run uses when its config does not say: how to split work, run it and summarise it."""
from __future__ import annotations

from typing import Any

DEFAULT_WORKERS = 1


def default_stage(kind: str, max_num_workers: int, debug: bool) -> dict[str, Any]:
    # Inference: tasks of balanced estimated cost, about two per worker, so workers finish
    # together and each task's process start and model load serve many small datasets.
    # Evaluation is cheap: many datasets per task.
    partitioner = {'type': 'SizePartitioner'} if kind == 'infer' else {'type': 'NaivePartitioner', 'n': 64}
    return {'partitioner': partitioner,
            'runner': {'type': 'LocalRunner', 'max_num_workers': max_num_workers, 'debug': debug}}


DEFAULT_SUMMARIZER: dict[str, Any] = {'type': 'DefaultSummarizer'}
