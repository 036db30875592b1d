"""Check a whole run config before any work starts, with errors that name file and key.

Each component config (model, dataset parts, partitioner, runner, summarizer) is checked
against the ``__init__`` signature of the class its ``type`` names: unknown keys (with the
closest valid names), missing required keys and values of an obviously wrong type are all
reported before a model loads, for both stages, so a mistake in evaluation or summary
settings never surfaces only after inference has run.
"""
from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Mapping
from typing import Any

from mmengine.registry import Registry

from evalkit import registry as reg
from evalkit.api.model import RUN_ONLY_MODEL_KEYS
from evalkit.api.prompt import ROLES
from evalkit.config.defaults import DEFAULT_SUMMARIZER
from evalkit.config.errors import ConfigError
from evalkit.config.secrets import reject_literal_secrets
from evalkit.datasets.circular import check_circular
from evalkit.notify.config import notifier_config
from evalkit.sandbox.consent import check_code_execution_consent
from evalkit.subjective.settings import check_judging

DATASET_KEYS = {'abbr', 'type', 'path', 'name', 'reader_cfg', 'infer_cfg', 'eval_cfg', 'summary_groups', 'circular',
                'load_kwargs', 'judge_cfg'}
READER_KEYS = {'input_columns', 'output_column', 'train_split', 'test_split', 'limit'}
INFER_KEYS = {'prompt_template', 'ice_template', 'retriever', 'inferencer'}
EVAL_KEYS = {'evaluator', 'pred_postprocessor', 'dataset_postprocessor', 'pred_role'}
STAGE_KEYS = {'partitioner', 'runner'}
GROUP_KEYS = {'name', 'subsets'}
RUN_CFG_KEYS = {'num_gpus', 'num_procs'}  # num_procs: accepted as 1 for OpenCompass model configs


def _suggest(key: str, allowed: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ''


def _check_keys(cfg: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in cfg:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key '{key}'.{_suggest(key, allowed)} Allowed keys: {', '.join(sorted(allowed))}."
            )


def _simple_types(annotation: Any) -> tuple[type, ...] | None:
    """The plain runtime types an annotation allows, or None when it is too rich to check."""
    if isinstance(annotation, str):
        return None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__('types'), 'UnionType', None)):
        parts = [_simple_types(a) for a in typing.get_args(annotation)]
        if any(p is None for p in parts):
            return None
        return tuple(t for p in parts for t in p)  # type: ignore[union-attr]
    if origin is typing.Literal:
        return ()  # allowed values, not types: see _literal_values
    if annotation is type(None):
        return (type(None),)
    if annotation is float:
        return (int, float)
    if annotation in (int, str, bool):
        return (annotation,)
    if origin in (list, tuple) or annotation in (list, tuple):
        return (list, tuple)
    if origin is dict or annotation is dict:
        return (dict, Mapping)
    return None


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    """The values a ``Literal`` annotation (or a union holding one) allows, e.g. ``'auto'``."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__('types'), 'UnionType', None)):
        return tuple(v for a in typing.get_args(annotation) for v in _literal_values(a))
    return ()


def check_component(cfg: Any, registry: Registry, where: str, ignore: tuple[str, ...] = ()) -> Any:
    """Validate one ``dict(type=..., **kwargs)`` against the signature of its type; returns the type.

    A type may add its own checks with a ``check_config(cfg, where)`` classmethod (e.g. a model
    whose path must exist), which run here, before any work."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{where}: expected a dict with a 'type' key, got {type(cfg).__name__} {cfg!r}.")
    if 'type' not in cfg:
        raise ConfigError(f"{where}: missing required key 'type' (the {registry.name} class to use).")
    target = reg.resolve_type(cfg['type'], registry, f'{where}.type')
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return target
    params = signature.parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    hints = typing.get_type_hints(target.__init__) if inspect.isclass(target) else typing.get_type_hints(target)
    for key, value in cfg.items():
        if key == 'type' or key in ignore:
            continue
        if key not in params:
            if accepts_any:
                continue
            allowed = [n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_POSITIONAL]
            raise ConfigError(
                f"{where}: unknown key '{key}' for {getattr(target, '__name__', target)}."
                f"{_suggest(key, allowed)} Accepted keys: {', '.join(allowed)}."
            )
        hint = hints.get(key, inspect.Parameter.empty)
        allowed_types, literals = _simple_types(hint), _literal_values(hint)
        if (allowed_types is not None and (allowed_types or literals)
                and not isinstance(value, allowed_types) and value not in literals):
            names = ' or '.join(sorted({t.__name__ for t in allowed_types}) + [repr(v) for v in literals])
            raise ConfigError(f"{where}.{key}: expected {names}, got {type(value).__name__} {value!r}.")
    for name, param in params.items():
        required = param.default is inspect.Parameter.empty and param.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        if required and name not in cfg:
            raise ConfigError(f"{where}: missing required key '{name}' for {target.__name__}.")
    own_check = getattr(target, 'check_config', None)
    if callable(own_check):
        own_check(cfg, where)
    return target


def setting(cfg: Mapping[str, Any], target: Any, name: str) -> Any:
    """The value a component gets for ``name``: the config's, else its signature's default (None if neither)."""
    if name in cfg:
        return cfg[name]
    try:
        param = inspect.signature(target).parameters.get(name)
    except (TypeError, ValueError):
        return None
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def _check_str_list(value: Any, where: str) -> None:
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: expected a non-empty list of column names (strings), got {value!r}.')


def _check_reader(reader: Any, where: str) -> None:
    if not isinstance(reader, Mapping):
        raise ConfigError(f'{where}: expected a dict, got {type(reader).__name__} {reader!r}.')
    _check_keys(reader, READER_KEYS, where)
    for key in ('input_columns', 'output_column'):
        if key not in reader:
            raise ConfigError(f"{where}: missing required key '{key}'.")
    _check_str_list(reader['input_columns'], f'{where}.input_columns')
    for key in ('output_column', 'train_split', 'test_split'):
        if key in reader and not isinstance(reader[key], str):
            raise ConfigError(f'{where}.{key}: expected str, got {type(reader[key]).__name__} {reader[key]!r}.')
    limit = reader.get('limit')
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f'{where}.limit: expected a positive number of rows, got {limit!r}.')


def _check_eval(eval_cfg: Any, where: str) -> None:
    if not isinstance(eval_cfg, Mapping):
        raise ConfigError(f'{where}: expected a dict, got {type(eval_cfg).__name__} {eval_cfg!r}.')
    _check_keys(eval_cfg, EVAL_KEYS, where)
    if 'evaluator' not in eval_cfg:
        raise ConfigError(f"{where}: missing required key 'evaluator'.")
    check_component(eval_cfg['evaluator'], reg.EVALUATORS, f'{where}.evaluator')
    for key in ('pred_postprocessor', 'dataset_postprocessor'):
        if key in eval_cfg:
            check_component(eval_cfg[key], reg.POSTPROCESSORS, f'{where}.{key}')
    role = eval_cfg.get('pred_role')
    if role is not None and role not in ROLES:
        raise ConfigError(
            f"{where}.pred_role: unknown role {role!r}.{_suggest(str(role), ROLES)} It names the dialogue role whose "
            f"turn is the prediction ({', '.join(ROLES)}; usually 'BOT'): with a model meta_template, the answer is "
            f"cut to that role's begin/end markers before scoring.")


def _check_loader(ds: Mapping[str, Any], loader: Any, where: str) -> None:
    """``load_kwargs`` must be keywords the loader's ``load`` takes; a loader may check more up front
    (its ``check_config(dataset_cfg, where)``, e.g. that the files it names exist)."""
    load_kwargs = ds.get('load_kwargs')
    if load_kwargs is not None:
        if not isinstance(load_kwargs, Mapping):
            raise ConfigError(f'{where}.load_kwargs: expected a dict of keyword arguments for the loader, '
                              f'got {type(load_kwargs).__name__} {load_kwargs!r}.')
        accepted = [n for n in inspect.signature(loader.load).parameters if n not in ('path', 'name')]
        for key in load_kwargs:
            if key not in accepted:
                takes = f"Accepted keys: {', '.join(accepted)}." if accepted else 'It takes none: remove load_kwargs.'
                raise ConfigError(f"{where}.load_kwargs: unknown key '{key}' for {loader.__name__}.load."
                                  f"{_suggest(key, accepted)} {takes}")
    own_check = getattr(loader, 'check_config', None)
    if callable(own_check):
        own_check(ds, where)


def _check_dataset(ds: Any, where: str) -> None:
    if not isinstance(ds, Mapping):
        raise ConfigError(f'{where}: each dataset must be a dict, got {type(ds).__name__}.')
    _check_keys(ds, DATASET_KEYS, where)
    for key in ('abbr', 'type', 'reader_cfg', 'infer_cfg', *(() if 'judge_cfg' in ds else ('eval_cfg',))):
        if key not in ds:
            raise ConfigError(f"{where}: missing required key '{key}'.")
    if not isinstance(ds['abbr'], str) or not ds['abbr']:
        raise ConfigError(f"{where}.abbr: expected a non-empty string, got {ds['abbr']!r}.")
    where = f"{where} ({ds['abbr']})"
    _check_loader(ds, reg.resolve_type(ds['type'], reg.LOAD_DATASETS, f'{where}.type'), where)
    _check_reader(ds['reader_cfg'], f'{where}.reader_cfg')
    if ds.get('circular') is not None:
        check_circular(ds['circular'], ds['reader_cfg'], f'{where}.circular')
    infer = ds['infer_cfg']
    if not isinstance(infer, Mapping):
        raise ConfigError(f'{where}.infer_cfg: expected a dict, got {type(infer).__name__} {infer!r}.')
    _check_keys(infer, INFER_KEYS, f'{where}.infer_cfg')
    for key in ('retriever', 'inferencer'):
        if key not in infer:
            raise ConfigError(f"{where}.infer_cfg: missing required key '{key}'.")
    inferencer = check_component(infer['inferencer'], reg.INFERENCERS, f'{where}.infer_cfg.inferencer')
    if getattr(inferencer, 'reads_templates', True) and 'prompt_template' not in infer and 'ice_template' not in infer:
        raise ConfigError(f"{where}.infer_cfg: needs a 'prompt_template' (or an 'ice_template').")
    for key in ('prompt_template', 'ice_template'):
        if key in infer:
            check_component(infer[key], reg.PROMPT_TEMPLATES, f'{where}.infer_cfg.{key}')
    check_component(infer['retriever'], reg.RETRIEVERS, f'{where}.infer_cfg.retriever')
    if 'eval_cfg' in ds:
        _check_eval(ds['eval_cfg'], f'{where}.eval_cfg')


def check_stage(stage: Any, where: str) -> None:
    """``infer=`` / ``eval=``: a partitioner and a runner, each checked like any component."""
    if not isinstance(stage, Mapping):
        raise ConfigError(f"{where}: expected dict(partitioner=..., runner=...), got {type(stage).__name__} {stage!r}.")
    _check_keys(stage, STAGE_KEYS, where)
    for key, registry in (('partitioner', reg.PARTITIONERS), ('runner', reg.RUNNERS)):
        if stage.get(key) is not None:
            check_component(stage[key], registry, f'{where}.{key}')


def summarizer_config(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The run's summarizer; as in OpenCompass, one given without ``type`` is the default summarizer."""
    own = cfg.get('summarizer') or {}
    if not isinstance(own, Mapping):
        raise ConfigError(f'summarizer: expected a dict, got {type(own).__name__} {own!r}.')
    return {**DEFAULT_SUMMARIZER, **own}


def _check_summarizer(summarizer: Any, dataset_abbrs: list[str], where: str) -> None:
    check_component(summarizer, reg.SUMMARIZERS, where)
    groups = summarizer.get('summary_groups') or []
    for k, group in enumerate(groups):
        at = f'{where}.summary_groups[{k}]'
        if not isinstance(group, Mapping):
            raise ConfigError(f'{at}: expected dict(name=..., subsets=[dataset abbrs]), got {group!r}.')
        _check_keys(group, GROUP_KEYS, at)
        if not isinstance(group.get('name'), str) or not group['name']:
            raise ConfigError(f"{at}.name: expected a non-empty string, got {group.get('name')!r}.")
        subsets = group.get('subsets')
        if not isinstance(subsets, (list, tuple)) or not subsets:
            raise ConfigError(f'{at}.subsets: expected a non-empty list of dataset abbrs, got {subsets!r}.')
        for member in subsets:
            if member not in dataset_abbrs:
                raise ConfigError(
                    f"{at}.subsets: '{member}' is not the abbr of a dataset in this run."
                    f"{_suggest(str(member), dataset_abbrs)} A group averages datasets of the run; "
                    f"run's datasets: {', '.join(dataset_abbrs[:8])}{', ...' if len(dataset_abbrs) > 8 else ''}.")


def _check_run_cfg(run_cfg: Any, where: str) -> None:
    """The runner's part of a model config: how many GPUs its tasks get."""
    if not isinstance(run_cfg, Mapping):
        raise ConfigError(f'{where}: expected dict(num_gpus=N), got {type(run_cfg).__name__} {run_cfg!r}.')
    _check_keys(run_cfg, RUN_CFG_KEYS, where)
    gpus = run_cfg.get('num_gpus', 0)
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
        raise ConfigError(f'{where}.num_gpus: expected a number of GPUs (0 or more), got {gpus!r}.')
    if run_cfg.get('num_procs', 1) != 1:
        raise ConfigError(f"{where}.num_procs: evalkit runs one process per task (a model given several GPUs is "
                          f"sharded across them); remove num_procs or set it to 1.")


def _check_lengths(model: Mapping[str, Any], target: Any, datasets: list[Any], source: str, where: str) -> None:
    """Generation must leave room for the prompt: ``max_out_len`` (the model's, or a dataset's
    inferencer's) below ``max_seq_len``, else every prompt would be cut to a token or two."""
    max_seq_len = setting(model, target, 'max_seq_len')
    if not isinstance(max_seq_len, int):
        return
    caps = [(f'{where}.max_out_len', setting(model, target, 'max_out_len'))]
    caps += [(f"{source}: datasets[{j}] ({ds['abbr']}).infer_cfg.inferencer.max_out_len",
              ds['infer_cfg']['inferencer'].get('max_out_len')) for j, ds in enumerate(datasets)]
    for at, cap in caps:
        if isinstance(cap, int) and cap >= max_seq_len:
            raise ConfigError(
                f"{at} = {cap} is not below max_seq_len = {max_seq_len} of model '{model.get('abbr')}': nothing of "
                f"the prompt would fit beside the answer. Lower max_out_len or raise the model's max_seq_len.")


def _check_models(models: list[Any], datasets: list[Any], source: str) -> None:
    abbrs: set[str] = set()
    for i, model in enumerate(models):
        where = f'{source}: models[{i}]'
        target = check_component(model, reg.MODELS, where, ignore=RUN_ONLY_MODEL_KEYS)
        if not model.get('abbr'):
            raise ConfigError(f"{where}: missing required key 'abbr' (the model's name in outputs and tables).")
        if model['abbr'] in abbrs:
            raise ConfigError(f"{where}: duplicate model abbr '{model['abbr']}'; give each model a unique abbr.")
        abbrs.add(model['abbr'])
        if 'run_cfg' in model:
            _check_run_cfg(model['run_cfg'], f'{where}.run_cfg')
        _check_lengths(model, target, datasets, source, where)


def validate_run_config(cfg: Mapping[str, Any], source: str) -> None:
    """Validate the whole run (models, datasets, both stages, summarizer) before any work starts;
    ``source`` names the config file for errors."""
    for section in cfg:  # secrets first, so no later message can echo one
        reject_literal_secrets(cfg[section], f'{source}: {section}')
    for key in ('models', 'datasets'):
        if key not in cfg:
            raise ConfigError(
                f"{source}: missing required key '{key}' (a list of {key[:-1]} configs). "
                f"Add it to the config or pass --{key} on the command line."
            )
        if not isinstance(cfg[key], (list, tuple)) or not cfg[key]:
            raise ConfigError(f"{source}: '{key}' must be a non-empty list, got {cfg[key]!r}.")
    seen: set[str] = set()
    for i, ds in enumerate(cfg['datasets']):
        _check_dataset(ds, f'{source}: datasets[{i}]')
        if ds['abbr'] in seen:
            raise ConfigError(f"{source}: datasets[{i}]: duplicate dataset abbr '{ds['abbr']}'; "
                              f"give each dataset a unique abbr (it names its prediction and result files).")
        seen.add(ds['abbr'])
    check_code_execution_consent(cfg, source)
    _check_models(list(cfg['models']), list(cfg['datasets']), source)
    check_judging(cfg, source)  # judge_models, the judge section and every judged dataset's judge_cfg
    for kind in ('infer', 'eval'):
        if cfg.get(kind) is not None:
            check_stage(cfg[kind], f'{source}: {kind}')
    if cfg.get('summarizer') is not None:
        _check_summarizer(summarizer_config(cfg), [d['abbr'] for d in cfg['datasets']], f'{source}: summarizer')
    if cfg.get('notify') is not None:  # the webhook: its URL must be an ENV: reference (WebhookNotifier.check_config)
        check_component(notifier_config(cfg['notify'], f'{source}: notify'), reg.NOTIFIERS, f'{source}: notify')
    if 'work_dir' in cfg and not isinstance(cfg['work_dir'], str):
        raise ConfigError(f"{source}: work_dir: expected a folder path (str), got {cfg['work_dir']!r}.")

