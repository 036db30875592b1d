"""Content keys: what decides whether stored predictions can be reused, and a prompt's version.

Reuse is keyed by everything that shapes a prediction (model weights and settings,
dataset, reader, prompt templates, retriever, inferencer), never by names, so editing
a prompt re-runs exactly the tasks it affects.  Settings that cannot change an answer
(names, batch size, how the task is scheduled) are left out.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.config.plain import content_hash

_MODEL_KEYS_WITHOUT_EFFECT = ('abbr', 'batch_size', 'run_cfg')
_DATASET_KEYS_WITHOUT_EFFECT = ('abbr', 'eval_cfg', 'summary_groups')


def prediction_fingerprint(model_cfg: Mapping[str, Any], dataset_cfg: Mapping[str, Any]) -> str:
    model = {k: v for k, v in model_cfg.items() if k not in _MODEL_KEYS_WITHOUT_EFFECT}
    dataset = {k: v for k, v in dataset_cfg.items() if k not in _DATASET_KEYS_WITHOUT_EFFECT}
    return content_hash({'model': model, 'dataset': dataset}, length=16)


def dataset_version(dataset_cfg: Mapping[str, Any]) -> str:
    """Short hash of the prompt-shaping config, shown as the 'version' column of summaries."""
    reader = {k: v for k, v in dataset_cfg.get('reader_cfg', {}).items() if k != 'limit'}
    return content_hash({'type': dataset_cfg.get('type'), 'path': dataset_cfg.get('path'),
                         'name': dataset_cfg.get('name'), 'reader_cfg': reader,
                         'infer_cfg': dataset_cfg.get('infer_cfg')}, length=6)
