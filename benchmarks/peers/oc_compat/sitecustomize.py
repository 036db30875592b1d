"""Compatibility shim that lets OpenCompass 0.5.4 run on transformers 5.x.

Why: OpenCompass 0.5.4's HuggingFace model classes call
``tokenizer.batch_encode_plus(...)``, which transformers 5 removed (its
replacement is calling the tokenizer directly, with identical arguments and
output for a list of strings).  We cannot move OpenCompass to transformers
4.x instead: model folders saved by transformers 5 name their tokenizer class
``TokenizersBackend``, which transformers 4 cannot load.  Keeping the same
transformers version as the other peers (and evalkit) also keeps the
comparison about the frameworks, not about library versions.

How: ``opencompass_jobs.py`` puts this folder first on ``PYTHONPATH`` for the
OpenCompass process tree (the CLI and every task subprocess it spawns inherit
the environment), so Python imports this ``sitecustomize`` at start-up.  It
installs a tiny import hook that, only once ``transformers.tokenization_utils_base``
is actually imported, adds ``batch_encode_plus`` back as an alias of
``__call__``.  Processes that never touch transformers pay nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_TARGET = "transformers.tokenization_utils_base"


def _patch(module: ModuleType) -> None:
    base = getattr(module, "PreTrainedTokenizerBase", None)
    if base is None or hasattr(base, "batch_encode_plus"):
        return

    def batch_encode_plus(self: Any, batch_text_or_text_pairs: Any, **kwargs: Any) -> Any:
        """transformers-4 alias: same arguments, same BatchEncoding result."""
        return self(batch_text_or_text_pairs, **kwargs)

    base.batch_encode_plus = batch_encode_plus


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, wrapped: importlib.abc.Loader) -> None:
        self._wrapped = wrapped

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._wrapped.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._wrapped.exec_module(module)
        _patch(module)


class _PatchFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


if _TARGET in sys.modules:  # pragma: no cover - only if imported very early
    _patch(sys.modules[_TARGET])
else:
    sys.meta_path.insert(0, _PatchFinder())
