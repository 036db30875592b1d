"""Turn configs into plain JSON-able data: the form that is dumped, hashed and sent to tasks.

Classes and functions become dotted paths, so a dumped config reloads to the same
objects and a content hash does not depend on memory addresses.
"""
from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Mapping
from typing import Any

from mmengine.config import Config


def type_name(obj: Any) -> str:
    """Dotted path of a class or function, the form used in dumped configs and hashes."""
    return f'{obj.__module__}.{obj.__qualname__}'


def to_plain(value: Any) -> Any:
    """Recursively convert ConfigDicts, tuples, classes and functions to JSON-able values."""
    if isinstance(value, (Mapping, Config)):  # an mmengine Config is not a Mapping
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
        return type_name(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def content_hash(value: Any, length: int = 12) -> str:
    """Stable short hash of a config fragment (key order does not matter)."""
    text = json.dumps(to_plain(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:length]
