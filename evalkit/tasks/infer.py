"""The inference task: predictions for one model on one or more datasets.

Run as ``python -m evalkit.tasks.infer SPEC.json``.  Datasets whose predictions are
already complete under the same fingerprint are skipped; partly done ones resume.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.api.model import RUN_ONLY_MODEL_KEYS, BaseModel
from evalkit.datasets.reader import read_splits
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.outputs import RunDir
from evalkit.registry import INFERENCERS, MODELS, build
from evalkit.tasks.entry import task_main
from evalkit.tasks.fingerprint import prediction_fingerprint
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import TaskSpec

_loaded: dict[str, BaseModel] = {}


def load_model(model_cfg: Mapping[str, Any]) -> BaseModel:
    """Build the model once per process (debug runs execute many tasks in one process)."""
    key = prediction_fingerprint(model_cfg, {})
    if key not in _loaded:
        _loaded.clear()  # keep at most one model in memory
        cfg = {k: v for k, v in model_cfg.items() if k not in RUN_ONLY_MODEL_KEYS}
        _loaded[key] = build(cfg, MODELS, f"model '{model_cfg['abbr']}'")
    return _loaded[key]


def store_for(spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> PredictionStore:
    path = RunDir(Path(spec.work_dir)).predictions(spec.model_abbr, dataset_cfg['abbr'])
    return PredictionStore(path, prediction_fingerprint(spec.model, dataset_cfg))


def infer_dataset(model: BaseModel, spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> None:
    abbr = dataset_cfg['abbr']
    train, test = read_splits(dataset_cfg)
    infer_cfg = dataset_cfg['infer_cfg']
    where = f"dataset '{abbr}'.infer_cfg"
    builder = PromptBuilder(infer_cfg, dataset_cfg['reader_cfg']['output_column'], train, test, where)
    inferencer = build(infer_cfg['inferencer'], INFERENCERS, f'{where}.inferencer')
    store = store_for(spec, dataset_cfg)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    done = store.open_for_writing()
    pending = [i for i in range(len(test)) if i not in done]
    if done:
        print(f'{abbr}: resuming, {len(done)} of {len(test)} rows already predicted', flush=True)
    inferencer.run(model, builder, pending, store.append, desc=abbr)
    store.mark_complete(len(test))


def run(spec: TaskSpec) -> None:
    todo = [ds for ds in spec.datasets if not store_for(spec, ds).is_complete()]
    if not todo:
        return
    model = load_model(spec.model)
    for dataset_cfg in todo:
        infer_dataset(model, spec, dataset_cfg)
        print(f"{dataset_cfg['abbr']}: predictions complete", flush=True)


if __name__ == '__main__':
    sys.exit(task_main(run))
