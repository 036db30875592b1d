"""Registries of every buildable component, and the one way configs turn into objects.

Configs name components by class (``type=GenInferencer``), by registered name
(``type='GenInferencer'``) or by dotted path (``type='evalkit.openicl.GenInferencer'``,
which is how a dumped config refers back to classes).  Registries import their
package lazily, so ``import evalkit`` stays cheap.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from mmengine.registry import Registry

from evalkit.config.errors import ConfigError

MODELS = Registry('model', locations=['evalkit.models'])
LOAD_DATASETS = Registry('dataset', locations=['evalkit.datasets'])
PROMPT_TEMPLATES = Registry('prompt template', locations=['evalkit.openicl.prompt_template'])
RETRIEVERS = Registry('retriever', locations=['evalkit.openicl.retrievers'])
INFERENCERS = Registry('inferencer', locations=['evalkit.openicl.inferencers'])
EVALUATORS = Registry('evaluator', locations=['evalkit.openicl.evaluators'])
POSTPROCESSORS = Registry('postprocessor', locations=['evalkit.openicl.postprocessors'])
PARTITIONERS = Registry('partitioner', locations=['evalkit.partitioners', 'evalkit.subjective.partitioner'])
RUNNERS = Registry('runner', locations=['evalkit.runners'])
NOTIFIERS = Registry('notifier', locations=['evalkit.notify'])
SUMMARIZERS = Registry('summarizer', locations=['evalkit.summarizers', 'evalkit.subjective.summary'])


def _imported(registry: Registry) -> Registry:
    """The registry with its package imported.  Done here, and names looked up in ``module_dict``,
    rather than through mmengine's ``get``: both log through MMLogger, and setting that up imports
    torch (seconds) to learn the process rank, which would delay every config error."""
    if not registry._imported:
        for location in registry._locations:
            importlib.import_module(location)
        registry._imported = True
    return registry


def _known_names(registry: Registry) -> list[str]:
    return sorted(_imported(registry).module_dict)


def resolve_type(spec: Any, registry: Registry, where: str) -> Any:
    """Return the class or function a config's ``type`` names.

    ``where`` is the config file and key path, so a failure tells the user exactly
    which line of which file to fix and suggests the closest registered names.
    """
    if inspect.isclass(spec) or callable(spec):
        return spec
    if not isinstance(spec, str) or not spec:
        raise ConfigError(f"{where}: 'type' must be a class or a name, got {spec!r}.")
    if '.' in spec:
        module_name, _, attr = spec.rpartition('.')
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(
                f"{where}: cannot import {spec!r} ({exc}). Check the dotted path, or use a "
                f"registered {registry.name} name such as {', '.join(_known_names(registry)[:6])}."
            ) from None
    found = _imported(registry).module_dict.get(spec)  # evalkit's registries are flat: no scopes or parents
    if found is None:
        known = _known_names(registry)
        close = difflib.get_close_matches(spec, known, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
        raise ConfigError(
            f"{where}: unknown {registry.name} type {spec!r}.{hint} "
            f"Known {registry.name} types: {', '.join(known)}."
        )
    return found


def build(cfg: Mapping[str, Any], registry: Registry, where: str, **extra: Any) -> Any:
    """Instantiate ``cfg['type']`` with the remaining keys (plus ``extra``)."""
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise ConfigError(f"{where}: expected a dict with a 'type' key, got {cfg!r}.")
    kwargs = {k: v for k, v in cfg.items() if k != 'type'}
    kwargs.update(extra)
    target = resolve_type(cfg['type'], registry, where)
    return target(**kwargs)
