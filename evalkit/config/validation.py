"""Check a run config before any work starts, with errors that name file and key.

Each component config is checked against the ``__init__`` signature of the class
its ``type`` names: unknown keys (with the closest valid names), missing required
keys and values of an obviously wrong type are all reported before a model loads.
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
from evalkit.config.errors import ConfigError
from evalkit.config.secrets import reject_literal_secrets

DATASET_KEYS = {'abbr', 'type', 'path', 'name', 'reader_cfg', 'infer_cfg', 'eval_cfg', 'summary_groups'}
READER_KEYS = {'input_columns', 'output_column', 'train_split', 'test_split', 'limit'}
INFER_KEYS = {'prompt_template', 'ice_template', 'retriever', 'inferencer'}
EVAL_KEYS = {'evaluator', 'pred_postprocessor', 'dataset_postprocessor', 'pred_role'}


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


def check_component(cfg: Any, registry: Registry, where: str, ignore: tuple[str, ...] = ()) -> None:
    """Validate one ``dict(type=..., **kwargs)`` against the signature of its type."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{where}: expected a dict with a 'type' key, got {type(cfg).__name__} {cfg!r}.")
    if 'type' not in cfg:
        raise ConfigError(f"{where}: missing required key 'type' (the {registry.name} class to use).")
    target = reg.resolve_type(cfg['type'], registry, f'{where}.type')
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return
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


def _check_dataset(ds: Any, where: str) -> None:
    if not isinstance(ds, Mapping):
        raise ConfigError(f'{where}: each dataset must be a dict, got {type(ds).__name__}.')
    _check_keys(ds, DATASET_KEYS, where)
    for key in ('abbr', 'type', 'reader_cfg', 'infer_cfg', 'eval_cfg'):
        if key not in ds:
            raise ConfigError(f"{where}: missing required key '{key}'.")
    if not isinstance(ds['abbr'], str) or not ds['abbr']:
        raise ConfigError(f"{where}.abbr: expected a non-empty string, got {ds['abbr']!r}.")
    where = f"{where} ({ds['abbr']})"
    reg.resolve_type(ds['type'], reg.LOAD_DATASETS, f'{where}.type')
    _check_keys(ds['reader_cfg'], READER_KEYS, f'{where}.reader_cfg')
    for key in ('input_columns', 'output_column'):
        if key not in ds['reader_cfg']:
            raise ConfigError(f"{where}.reader_cfg: missing required key '{key}'.")
    infer = ds['infer_cfg']
    _check_keys(infer, INFER_KEYS, f'{where}.infer_cfg')
    for key in ('retriever', 'inferencer'):
        if key not in infer:
            raise ConfigError(f"{where}.infer_cfg: missing required key '{key}'.")
    if 'prompt_template' not in infer and 'ice_template' not in infer:
        raise ConfigError(f"{where}.infer_cfg: needs a 'prompt_template' (or an 'ice_template').")
    for key in ('prompt_template', 'ice_template'):
        if key in infer:
            check_component(infer[key], reg.PROMPT_TEMPLATES, f'{where}.infer_cfg.{key}')
    check_component(infer['retriever'], reg.RETRIEVERS, f'{where}.infer_cfg.retriever')
    check_component(infer['inferencer'], reg.INFERENCERS, f'{where}.infer_cfg.inferencer')
    eval_cfg = ds['eval_cfg']
    _check_keys(eval_cfg, EVAL_KEYS, f'{where}.eval_cfg')
    if 'evaluator' not in eval_cfg:
        raise ConfigError(f"{where}.eval_cfg: missing required key 'evaluator'.")
    check_component(eval_cfg['evaluator'], reg.EVALUATORS, f'{where}.eval_cfg.evaluator')
    for key in ('pred_postprocessor', 'dataset_postprocessor'):
        if key in eval_cfg:
            check_component(eval_cfg[key], reg.POSTPROCESSORS, f'{where}.eval_cfg.{key}')


def validate_run_config(cfg: Mapping[str, Any], source: str) -> None:
    """Validate the models and datasets of a run; ``source`` names the config file for errors."""
    for key in ('models', 'datasets'):
        if key not in cfg:
            raise ConfigError(
                f"{source}: missing required key '{key}' (a list of {key[:-1]} configs). "
                f"Add it to the config or pass --{key} on the command line."
            )
        if not isinstance(cfg[key], (list, tuple)) or not cfg[key]:
            raise ConfigError(f"{source}: '{key}' must be a non-empty list, got {cfg[key]!r}.")
    abbrs: set[str] = set()
    for i, model in enumerate(cfg['models']):
        where = f'{source}: models[{i}]'
        if isinstance(model, Mapping):
            reject_literal_secrets(model, where)
        check_component(model, reg.MODELS, where, ignore=RUN_ONLY_MODEL_KEYS)
        if not model.get('abbr'):
            raise ConfigError(f"{where}: missing required key 'abbr' (the model's name in outputs and tables).")
        if model['abbr'] in abbrs:
            raise ConfigError(f"{where}: duplicate model abbr '{model['abbr']}'; give each model a unique abbr.")
        abbrs.add(model['abbr'])
    seen: set[str] = set()
    for i, ds in enumerate(cfg['datasets']):
        _check_dataset(ds, f'{source}: datasets[{i}]')
        if ds['abbr'] in seen:
            raise ConfigError(f"{source}: datasets[{i}]: duplicate dataset abbr '{ds['abbr']}'.")
        seen.add(ds['abbr'])
