"""Where a judge task's judgements live, what they are keyed by, and when a task owes none.

Judgements reuse the prediction store (``evalkit.tasks.prediction_store``): appended and
fsynced chunk by chunk, one locked writer, resumed after a kill, and tied to a fingerprint:
the judge's settings, the dataset config (minus its parser: parsing happens at summary time,
so a new pattern never asks the judge again), the effective mode and the fingerprints of the
candidates' predictions.  New answers or a new rubric therefore mean new judgements.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import evalkit
from evalkit.config.plain import content_hash
from evalkit.outputs import RunDir
from evalkit.subjective.jobs import subject_name
from evalkit.subjective.settings import JudgeSettings, dataset_judging
from evalkit.tasks.fingerprint import model_settings_hash
from evalkit.tasks.prediction_store import PredictionStore
from evalkit.tasks.spec import TaskSpec

_DATASET_KEYS_WITHOUT_EFFECT = ('abbr', 'eval_cfg', 'summary_groups')


def task_settings(spec: TaskSpec) -> JudgeSettings:
    """The run's judge section as the partitioner put it into the task."""
    own = spec.extra.get('judge') or {}
    return JudgeSettings(mode=own.get('mode'), base_models=tuple(own.get('base_models') or ()),
                         parser=dict(own.get('parser') or {}))


def task_subjects(spec: TaskSpec, dataset_cfg: Mapping[str, Any]) -> list[tuple[str, ...]]:
    return [tuple(s) for s in spec.extra['subjects'][dataset_cfg['abbr']]]


def _prediction_fingerprint(run_dir: RunDir, model: str, dataset: str) -> Any:
    return PredictionStore(run_dir.predictions(model, dataset), '').meta().get('fingerprint')


def judgement_store(spec: TaskSpec, dataset_cfg: Mapping[str, Any], subject: tuple[str, ...]) -> PredictionStore:
    run_dir = RunDir(Path(spec.work_dir))
    judge_cfg = {k: v for k, v in dataset_cfg['judge_cfg'].items() if k != 'parser'}
    dataset = {k: v for k, v in dataset_cfg.items() if k not in _DATASET_KEYS_WITHOUT_EFFECT}
    components = {
        'judge_config': model_settings_hash(spec.model),
        'dataset_config': content_hash({**dataset, 'judge_cfg': judge_cfg}, length=16),
        'mode': dataset_judging(dataset_cfg, task_settings(spec)).mode,
        'predictions': [_prediction_fingerprint(run_dir, m, dataset_cfg['abbr']) for m in subject],
        'evalkit': evalkit.__version__,
    }
    path = run_dir.judgements(spec.model_abbr, subject_name(subject), dataset_cfg['abbr'])
    return PredictionStore(path, content_hash(components, length=16), components)


def missing_judgements(spec: TaskSpec) -> list[str]:
    """``dataset:subject`` names of the judgement files this task still owes."""
    return [f"{ds['abbr']}:{subject_name(s)}" for ds in spec.datasets for s in task_subjects(spec, ds)
            if not judgement_store(spec, ds, s).is_complete()]
