"""Why ``-r`` predicts a dataset again: one line per dataset, printed before inference starts.

Predictions are reused only under an identical fingerprint; when one exists under
another fingerprint, the components stored in its metadata are compared with the
current ones, so the user reads "data file changed: ceval/val/law_val.csv" instead of
wondering why an hour of inference runs again.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir
from evalkit.tasks.completion import part_complete, prediction_store
from evalkit.tasks.fingerprint import compute_fingerprint, rerun_reason
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import TaskSpec


def _stored_metas(spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The metadata of the dataset's store and of its shards, those that exist."""
    store = prediction_store(spec, dataset_cfg)
    shard_dir = RunDir(Path(spec.work_dir)).shard_dir(spec.model_abbr, dataset_cfg['abbr'])
    shards = sorted(shard_dir.glob('*.jsonl')) if shard_dir.is_dir() else []
    metas = [store.meta(), *(PredictionStore(path, store.fingerprint).meta() for path in shards)]
    return [meta for meta in metas if meta]


def dataset_rerun_reason(spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> str | None:
    """Why earlier predictions of this dataset are not used as they are (None when there are none)."""
    metas = _stored_metas(spec, dataset_cfg)
    if not metas:
        return None
    current = compute_fingerprint(spec.model, dataset_cfg)
    stale = [meta for meta in metas if meta.get('fingerprint') != current.digest]
    if stale:
        return f're-running, {rerun_reason(stale[0].get("components"), current)}'
    return 'resuming unfinished predictions'


def rerun_reasons(tasks: Sequence[TaskSpec]) -> list[str]:
    """``<dataset> (<model>): re-running, <why>`` for each dataset the inference tasks will predict."""
    lines, seen = [], set()
    for spec in tasks:
        for dataset_cfg, rows in spec.parts():
            key = (spec.model_abbr, dataset_cfg['abbr'])
            if key in seen or part_complete(spec, dataset_cfg, rows):
                continue  # a task may hold datasets that are done: only the others run
            seen.add(key)
            reason = dataset_rerun_reason(spec, dataset_cfg)
            if reason:
                lines.append(f"{dataset_cfg['abbr']} ({spec.model_abbr}): {reason}")
    return lines
