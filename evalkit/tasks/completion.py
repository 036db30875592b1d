"""When is a task done?  Exit code 0 is not enough: every output it owes must exist.

An inference task owes one prediction store per dataset part: the dataset's own
store, or for a shard (a row range) the shard's store; a shard also counts as done
once its dataset's merged store is complete.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir
from evalkit.subjective.store import missing_judgements
from evalkit.tasks.fingerprint import compute_fingerprint
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import RowRange, TaskSpec, part_name


def prediction_store(spec: TaskSpec, dataset_cfg: Mapping[str, Any], rows: RowRange | None = None) -> PredictionStore:
    """The store holding a task's predictions for a dataset (``rows``: a shard's own store)."""
    run_dir = RunDir(Path(spec.work_dir))
    abbr = dataset_cfg['abbr']
    path = run_dir.predictions(spec.model_abbr, abbr) if rows is None else \
        run_dir.shard_predictions(spec.model_abbr, abbr, rows)
    fingerprint = compute_fingerprint(spec.model, dataset_cfg)
    return PredictionStore(path, fingerprint.digest, fingerprint.components)


def part_complete(spec: TaskSpec, dataset_cfg: Mapping[str, Any], rows: RowRange | None) -> bool:
    if prediction_store(spec, dataset_cfg).is_complete():
        return True
    return rows is not None and prediction_store(spec, dataset_cfg, rows).is_complete()


def missing_outputs(spec: TaskSpec) -> list[str]:
    """Names of the dataset parts whose outputs this task still owes (empty when it is complete)."""
    if spec.kind == 'infer':
        return [part_name(ds['abbr'], rows) for ds, rows in spec.parts() if not part_complete(spec, ds, rows)]
    if spec.kind == 'judge':
        return missing_judgements(spec)
    run_dir = RunDir(Path(spec.work_dir))
    return [ds['abbr'] for ds in spec.datasets if not run_dir.results(spec.model_abbr, ds['abbr']).is_file()]
