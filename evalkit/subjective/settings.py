"""What a run asks of its judges (the run config's ``judge`` section and ``judge_models``) and how a
dataset is judged (its ``judge_cfg``), read once and checked before any work starts.

Run config::

    judge_models = [dict(type=HuggingFaceCausalLM, abbr='judge', ...)]   # any model config
    judge = dict(mode='pairwise', base_models=['baseline-abbr'], parser=dict(...), max_parse_failure_rate=0.2)

Dataset config: ``judge_cfg=dict(prompts=[...], mode='single', question_column='question',
reference_column=None, category_column=None, parser=dict(...))`` (see ``prompts.py``).  The run's
``judge.mode`` and ``judge.parser`` keys override the dataset's.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from evalkit.config.errors import ConfigError
from evalkit.subjective.parsing import JudgeParser
from evalkit.subjective.prompts import JudgePrompt, load_prompts

JudgeMode = Literal['single', 'pairwise', 'all_pairs']
MODES = ('single', 'pairwise', 'all_pairs')
# A judge that cannot follow the verdict format on more than a fifth of the answers is not
# measuring the candidates any more: its scores rest on a biased remainder.
DEFAULT_MAX_PARSE_FAILURE_RATE = 0.2
JUDGE_KEYS = ('mode', 'base_models', 'parser', 'max_parse_failure_rate')
JUDGE_CFG_KEYS = ('prompts', 'mode', 'question_column', 'reference_column', 'category_column', 'parser')


@dataclass(frozen=True)
class JudgeSettings:
    """The run's ``judge`` section."""

    mode: JudgeMode | None = None
    base_models: tuple[str, ...] = ()
    parser: Mapping[str, Any] = field(default_factory=dict)
    max_parse_failure_rate: float = DEFAULT_MAX_PARSE_FAILURE_RATE


@dataclass(frozen=True)
class DatasetJudging:
    """A dataset's ``judge_cfg``, with the run's overrides applied."""

    prompts: tuple[JudgePrompt, ...]
    mode: JudgeMode = 'single'
    question_column: str = 'question'
    reference_column: str | None = None
    category_column: str | None = None
    parser: JudgeParser = field(default_factory=JudgeParser)

    @property
    def prompt_mode(self) -> str:
        return 'single' if self.mode == 'single' else 'pairwise'


def _check_keys(cfg: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = sorted(set(cfg) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}. Allowed keys: {', '.join(allowed)}.")


def _check_mode(mode: Any, where: str) -> None:
    if mode is not None and mode not in MODES:
        raise ConfigError(f"{where}: expected one of {', '.join(MODES)}, got {mode!r}. 'single' grades each answer "
                          f"1-10; 'pairwise' compares every model with judge.base_models; 'all_pairs' compares "
                          f'every two models.')


def judge_settings(cfg: Mapping[str, Any], where: str = 'judge') -> JudgeSettings:
    section = cfg.get('judge') or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f'{where}: expected a dict ({", ".join(JUDGE_KEYS)}), got {section!r}.')
    _check_keys(section, JUDGE_KEYS, where)
    _check_mode(section.get('mode'), f'{where}.mode')
    base = section.get('base_models') or ()
    if isinstance(base, str) or not all(isinstance(b, str) for b in base):
        raise ConfigError(f'{where}.base_models: expected a list of model abbrs, got {base!r}.')
    rate = section.get('max_parse_failure_rate', DEFAULT_MAX_PARSE_FAILURE_RATE)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ConfigError(f'{where}.max_parse_failure_rate: expected a share between 0 and 1 (0.2: at most one '
                          f'judgement in five may be unreadable), got {rate!r}.')
    parser = section.get('parser') or {}
    JudgeParser.from_config(parser, f'{where}.parser')
    return JudgeSettings(mode=section.get('mode'), base_models=tuple(base), parser=dict(parser),
                         max_parse_failure_rate=float(rate))


def dataset_judging(dataset_cfg: Mapping[str, Any], settings: JudgeSettings | None = None) -> DatasetJudging:
    """The dataset's ``judge_cfg``, checked, with ``settings`` (the run's judge section) on top."""
    where = f"dataset '{dataset_cfg['abbr']}'.judge_cfg"
    own = dataset_cfg.get('judge_cfg')
    if not isinstance(own, Mapping):
        raise ConfigError(f'{where}: expected a dict ({", ".join(JUDGE_CFG_KEYS)}), got {own!r}.')
    _check_keys(own, JUDGE_CFG_KEYS, where)
    settings = settings or JudgeSettings()
    mode = settings.mode or own.get('mode', 'single')
    _check_mode(mode, f'{where}.mode')
    for key in ('question_column', 'reference_column', 'category_column'):
        if own.get(key) is not None and not isinstance(own[key], str):
            raise ConfigError(f'{where}.{key}: expected a column name, got {own[key]!r}.')
    parser = JudgeParser.from_config({**(own.get('parser') or {}), **settings.parser}, f'{where}.parser')
    judging = DatasetJudging(prompts=tuple(load_prompts(own.get('prompts'), f'{where}.prompts')), mode=mode,
                             question_column=own.get('question_column', 'question'),
                             reference_column=own.get('reference_column'),
                             category_column=own.get('category_column'), parser=parser)
    if not any(p.mode == judging.prompt_mode for p in judging.prompts):
        raise ConfigError(f"{where}.prompts: the dataset is judged in {mode} mode but has no "
                          f"{judging.prompt_mode} prompt. Add one (mode='{judging.prompt_mode}'), or use a dataset "
                          f"config made for this mode (e.g. mtbench_single / mtbench_pair).")
    return judging


def subjective(datasets: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The datasets a judge grades (they carry ``judge_cfg``); the others are scored by evaluators."""
    return [ds for ds in datasets if ds.get('judge_cfg') is not None]


def objective(datasets: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [ds for ds in datasets if ds.get('judge_cfg') is None]


def subjects(mode: JudgeMode, models: Sequence[str], base_models: Sequence[str]) -> list[tuple[str, ...]]:
    """Who is judged: each model alone ('single'), each other model against each base model
    ('pairwise'), or every two models ('all_pairs'), in the run's model order."""
    if mode == 'single':
        return [(m,) for m in models]
    if mode == 'pairwise':
        return [(m, b) for b in base_models for m in models if m not in base_models]
    return [(a, b) for i, a in enumerate(models) for b in models[i + 1:]]


def check_judging(cfg: Mapping[str, Any], source: str) -> None:
    """The judge stage of a run, before any work: judge models, the judge section, every judged
    dataset's prompts and parser, and the models the chosen mode compares."""
    from evalkit.config.validation import check_component  # validation imports this module
    from evalkit.registry import MODELS

    graded = subjective(cfg.get('datasets') or [])
    judges = cfg.get('judge_models') or []
    if not graded and not judges:
        return
    if graded and not judges:
        raise ConfigError(f"{source}: dataset(s) {', '.join(d['abbr'] for d in graded)} are graded by a judge "
                          f"(they have judge_cfg) but the run names no judge: add judge_models=[...] to the config "
                          f"or --judge-model NAME / --judge-hf-path PATH on the command line.")
    if judges and not graded:
        raise ConfigError(f'{source}: judge_models is set but no dataset of the run is judged (none has judge_cfg). '
                          f'Add a subjective dataset (e.g. --datasets mtbench_single) or remove judge_models.')
    if not isinstance(judges, (list, tuple)):
        raise ConfigError(f'{source}: judge_models: expected a list of model configs, got {judges!r}.')
    for i, judge in enumerate(judges):
        check_component(judge, MODELS, f'{source}: judge_models[{i}]', ignore=('run_cfg',))
        if not judge.get('abbr'):
            raise ConfigError(f"{source}: judge_models[{i}]: missing required key 'abbr' (the judge's name in "
                              f"the judgements folder and tables).")
    settings = judge_settings(cfg, f'{source}: judge')
    abbrs = [m['abbr'] for m in cfg['models']]
    for base in settings.base_models:
        if base not in abbrs:
            raise ConfigError(f"{source}: judge.base_models: '{base}' is not the abbr of a model of this run "
                              f"({', '.join(abbrs)}).")
    for ds in graded:
        judging = dataset_judging(ds, settings)
        where = f"{source}: dataset '{ds['abbr']}' is judged in {judging.mode} mode"
        if judging.mode == 'pairwise' and not settings.base_models:
            raise ConfigError(f'{where}, which compares every model with a baseline: name it with '
                              f"judge=dict(base_models=['ABBR']) or --judge-base-models ABBR.")
        if judging.mode != 'single' and not subjects(judging.mode, abbrs, settings.base_models):
            raise ConfigError(f'{where}, which needs at least two models (and one that is not a base model); '
                              f"the run has {', '.join(abbrs)}.")
