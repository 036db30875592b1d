"""Predictions of any model on the first rows of a named dataset config, through evalkit's own inferencers.

Shared by the tests and the benchmarks that compare the API model (through a vLLM server)
with the local engine: both see the same prompts, built by the same code a run uses.
"""
from __future__ import annotations

from typing import Any

from evalkit.api.model import BaseModel
from evalkit.config import config_index
from evalkit.config.loading import load_config
from evalkit.tasks.infer import prepare


def dataset_configs(name: str, abbrs: tuple[str, ...] = (), limit: int | None = None) -> list[dict[str, Any]]:
    """The datasets of ``configs/datasets/**/NAME.py`` (only ``abbrs`` when given), cut to ``limit`` rows."""
    cfg = load_config(str(config_index.find('datasets', name)))
    found = [dict(d) for key, group in cfg.items() if key.endswith('_datasets') for d in group]
    chosen = [d for d in found if not abbrs or d['abbr'] in abbrs]
    for d in chosen:
        d['reader_cfg'] = {**d['reader_cfg'], **({'limit': limit} if limit else {})}
    return chosen


def predictions(model: BaseModel, dataset_cfg: dict[str, Any], rows: int) -> list[Any]:
    builder, inferencer = prepare(dataset_cfg, model)
    return [r['prediction'] for r in inferencer.infer_chunk(model, builder, list(range(min(rows, len(builder.test)))))]
