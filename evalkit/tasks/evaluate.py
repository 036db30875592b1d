"""The evaluation task: score complete predictions and write one result file per dataset.

Run as ``python -m evalkit.tasks.evaluate SPEC.json``.  Cheap and deterministic, so
it always re-runs; it never imports torch.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.atomic import atomic_writer, write_json_atomic
from evalkit.config.errors import ConfigError
from evalkit.config.secrets import resolve_env_references
from evalkit.datasets.reader import read_splits
from evalkit.openicl.inferencers.sc import majority_vote
from evalkit.openicl.pred_role import role_prediction
from evalkit.outputs import RunDir
from evalkit.provenance import result_provenance
from evalkit.registry import EVALUATORS, INFERENCERS, POSTPROCESSORS, build, resolve_type
from evalkit.tasks.entry import task_main
from evalkit.tasks.fingerprint import dataset_version, prediction_fingerprint
from evalkit.tasks.prediction_check import checked_records
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import TaskSpec


def _postprocess(values: list[Any], cfg: Mapping[str, Any] | None, where: str) -> list[Any]:
    if not cfg:
        return values
    fn = build(cfg, POSTPROCESSORS, where)
    return [fn(str(v)) for v in values]


def processed_predictions(records: list[dict[str, Any]], eval_cfg: Mapping[str, Any], meta_template: Any,
                          votes: bool, where: str) -> list[Any]:
    """Each record's prediction after ``pred_role`` and the ``pred_postprocessor``; an inferencer that
    ``votes`` (self-consistency) has each of a record's ``samples`` processed, then the majority wins."""
    def processed(texts: list[Any]) -> list[Any]:
        return _postprocess([role_prediction(t, meta_template, eval_cfg.get('pred_role')) for t in texts],
                            eval_cfg.get('pred_postprocessor'), f'{where}.pred_postprocessor')

    if votes:
        return [majority_vote(processed(r['samples'])) for r in records]
    return processed([r['prediction'] for r in records])


def evaluate_dataset(spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> dict[str, Any]:
    run_dir = RunDir(Path(spec.work_dir))
    abbr = dataset_cfg['abbr']
    pred_path = run_dir.predictions(spec.model_abbr, abbr)
    fingerprint = prediction_fingerprint(spec.model, dataset_cfg)
    if not PredictionStore(pred_path, fingerprint).is_complete():
        raise ConfigError(
            f"No complete predictions for model '{spec.model_abbr}' on '{abbr}' at {pred_path} "
            f"(or they were made with a different config). Run inference first (--mode infer or all).")
    test_rows = read_splits(dataset_cfg)[1]
    records = checked_records(spec, dataset_cfg, len(test_rows))
    eval_cfg = dataset_cfg['eval_cfg']
    where = f"dataset '{abbr}'.eval_cfg"
    inferencer = resolve_type(dataset_cfg['infer_cfg']['inferencer']['type'], INFERENCERS, where)
    predictions = processed_predictions(records, eval_cfg, spec.model.get('meta_template'),
                                        getattr(inferencer, 'votes', False), where)
    references = _postprocess([r['gold'] for r in records], eval_cfg.get('dataset_postprocessor'),
                              f'{where}.dataset_postprocessor')
    evaluator = resolve_env_references(eval_cfg['evaluator'], f'{where}.evaluator')  # keys: in memory only
    scores = build(evaluator, EVALUATORS, f'{where}.evaluator').score_rows(
        predictions, references, records, [test_rows[r['index']] for r in records])
    details = scores.pop('details', [])
    result = {**scores, 'num_examples': len(records), 'version': dataset_version(dataset_cfg),
              'mode': inferencer.mode, 'model': spec.model_abbr, 'dataset': abbr,
              'truncated_prompts': sum(1 for r in records if r.get('truncated_tokens')),
              'provenance': result_provenance(spec.model, dataset_cfg, fingerprint)}
    with atomic_writer(run_dir.details(spec.model_abbr, abbr)) as fh:
        for record, detail in zip(records, details):
            fh.write(json.dumps({'index': record['index'], **detail}, ensure_ascii=False) + '\n')
    write_json_atomic(run_dir.results(spec.model_abbr, abbr), result)
    return result


def run(spec: TaskSpec) -> None:
    for dataset_cfg in spec.datasets:
        evaluate_dataset(spec, dataset_cfg)


if __name__ == '__main__':
    sys.exit(task_main(run))
