"""The inference task: predictions for one model on one or more datasets.

Run as ``python -m evalkit.tasks.infer SPEC.json``.  Datasets (or shards: row ranges of
a dataset) whose predictions are already complete under the same fingerprint are
skipped; partly done ones resume.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.api.model import RUN_ONLY_MODEL_KEYS, BaseModel
from evalkit.config.secrets import resolve_env_references
from evalkit.datasets.reader import read_splits
from evalkit.openicl.inferencers import BaseInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.outputs import RunDir
from evalkit.registry import INFERENCERS, MODELS, build
from evalkit.serving.accelerator import served
from evalkit.tasks.completion import part_complete, prediction_store
from evalkit.tasks.entry import task_main
from evalkit.tasks.fingerprint import model_settings_hash
from evalkit.tasks.spec import RowRange, TaskSpec, part_name

_loaded: dict[str, BaseModel] = {}
# Starts the task log's line with the scoring work of the task's model (``BaseModel.scoring_work``).
SCORING_WORK_LINE = 'scoring work:'


def load_model(model_cfg: Mapping[str, Any]) -> BaseModel:
    """Build the model once per process (debug runs execute many tasks in one process)."""
    key = model_settings_hash(model_cfg)
    if key not in _loaded:
        _loaded.clear()  # keep at most one model in memory
        where = f"model '{model_cfg['abbr']}'"
        cfg = resolve_env_references({k: v for k, v in model_cfg.items() if k not in RUN_ONLY_MODEL_KEYS}, where)
        _loaded[key] = build(cfg, MODELS, where)
    return _loaded[key]


def prepare(dataset_cfg: Mapping[str, Any], model: BaseModel | None = None,
            approximate: bool = False) -> tuple[PromptBuilder, BaseInferencer]:
    """The prompts of a dataset's test rows and the inferencer that asks the model about them.

    ``model`` is given to retrievers that consult it (MDL); ``approximate`` lets costly
    retrievers stand in cheap examples, for cost estimates only (see ``PromptBuilder``)."""
    train, test = read_splits(dataset_cfg)
    infer_cfg, reader = dataset_cfg['infer_cfg'], dataset_cfg['reader_cfg']
    where = f"dataset '{dataset_cfg['abbr']}'.infer_cfg"
    builder = PromptBuilder(infer_cfg, reader['output_column'], train, test, where,
                            input_columns=reader['input_columns'], model=model, approximate=approximate)
    return builder, build(infer_cfg['inferencer'], INFERENCERS, f'{where}.inferencer')


def infer_part(model: BaseModel, spec: TaskSpec, dataset_cfg: Mapping[str, Any], rows: RowRange | None) -> None:
    """Predict the test rows ``rows`` (all when None) of a dataset, resuming what a killed run wrote.

    The whole test split is loaded and prompts are built over it even for a shard, so
    row ``i`` gets the same prompt (and in-context examples) in every partitioning.
    """
    name = part_name(dataset_cfg['abbr'], rows)
    builder, inferencer = prepare(dataset_cfg, model)
    total = len(builder.test)
    with prediction_store(spec, dataset_cfg, rows) as store:  # holds the store's write lock until the end
        done = store.open_for_writing()
        span = range(total) if rows is None else range(rows[0], min(rows[1], total))
        pending = [i for i in span if i not in done]
        if done:
            print(f'{name}: resuming, {len(span) - len(pending)} of {len(span)} rows already predicted', flush=True)
        inferencer.run(model, builder, pending, store.append, desc=name)
        store.mark_complete(len(span), total=total)


def run(spec: TaskSpec) -> None:
    todo = [(ds, rows) for ds, rows in spec.parts() if not part_complete(spec, ds, rows)]
    if not todo:
        return
    run_dir = RunDir(Path(spec.work_dir))
    with served(spec.model, run_dir.server_logs('vllm')) as model_cfg:  # a vLLM server lives as long as this block
        model = load_model(model_cfg)
        model.use_response_cache(run_dir.api_cache())  # answers already paid for are reused on -r
        try:
            for dataset_cfg, rows in todo:
                infer_part(model, spec, dataset_cfg, rows)
                print(f"{part_name(dataset_cfg['abbr'], rows)}: predictions complete", flush=True)
            work = model.scoring_work()
            if work.get('decoder_tokens'):  # read by benchmarks/mmlu_full.py to price the scoring ceiling
                print(f'{SCORING_WORK_LINE} {json.dumps(work)}', flush=True)
        finally:
            if spec.model.get('serve'):
                _loaded.clear()  # its server stops now


if __name__ == '__main__':
    sys.exit(task_main(run))
