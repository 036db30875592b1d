"""Slices of the real subjective dataset configs, cut to a few rows and short answers, and the real
default model answering them and judging (helpers shared by the judge tests)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from evalkit.api.model import BaseModel
from evalkit.cli.run_config import datasets_from_file
from evalkit.config import config_index
from evalkit.outputs import RunDir
from evalkit.subjective.partitioner import SubjectivePartitioner
from evalkit.subjective.settings import JudgeSettings
from evalkit.tasks.infer import infer_part
from evalkit.tasks.judge import judge_subject
from evalkit.tasks.spec import TaskSpec

MODEL = dict(type='HuggingFaceCausalLM', path='embedded:smollm2-135m-instruct', mode='chat', batch_size=8)


def mtbench_slice(config: str, abbrs: list[str], limit: int = 1, max_out_len: int = 8) -> list[dict[str, Any]]:
    """The named datasets of a config (mtbench_single, mtbench_pair, subjective_generic), ``limit`` rows each."""
    picked = [ds for ds in datasets_from_file(config_index.find('datasets', config)) if ds['abbr'] in abbrs]
    for ds in picked:
        ds['reader_cfg'] = {**ds['reader_cfg'], 'limit': limit}
        ds['infer_cfg'] = {**ds['infer_cfg'], 'inferencer': {**ds['infer_cfg']['inferencer'], 'max_out_len': max_out_len}}
    return [dict(ds) for ds in picked]


def answer(lm: Any, run_dir: RunDir, abbr: str, datasets: list[dict], max_out_len: int,
           monkeypatch: pytest.MonkeyPatch) -> dict:
    """Predictions of candidate ``abbr``: the real model generating at most ``max_out_len`` tokens
    (the model's setting, so candidates differing only in it get their own fingerprints)."""
    cfg = dict(MODEL, abbr=abbr, max_out_len=max_out_len)
    for ds in datasets:
        ds['infer_cfg']['inferencer'] = {**ds['infer_cfg']['inferencer'], 'max_out_len': None}
    monkeypatch.setattr(lm, 'max_out_len', max_out_len)
    spec = TaskSpec(kind='infer', work_dir=str(run_dir.root), model=cfg, datasets=tuple(datasets))
    for ds in datasets:
        infer_part(lm, spec, ds, None)
    return cfg


def judge(lm: BaseModel, judge_cfg: Mapping[str, Any], run_dir: RunDir, candidates: list[dict],
          datasets: list[dict], settings: JudgeSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every judgement the judge task of ``judge_cfg`` owes, made by ``lm`` (loaded once per session)
    writing at most the config's ``max_out_len`` tokens, as the task's own judge would."""
    monkeypatch.setattr(lm, 'max_out_len', judge_cfg['max_out_len'])
    spec, = SubjectivePartitioner().partition([judge_cfg], candidates, datasets, str(run_dir.root), settings)
    for ds in spec.datasets:
        for subject in spec.extra['subjects'][ds['abbr']]:
            judge_subject(lm, spec, ds, tuple(subject))
