"""Read a Python config file with mmengine, keeping only what describes the run.

mmengine executes the file, so every name the file imports (classes, helper
functions, modules) and every ``_loop`` variable would otherwise travel along as a
top-level key.  We drop those, and turn every failure into a ConfigError that names the file.
"""
from __future__ import annotations

import inspect
import types
from pathlib import Path

from mmengine.config import Config

from evalkit.config.errors import ConfigError


def _is_helper(key: str, value: object) -> bool:
    """Imported classes, functions and modules, and ``_private`` variables, are config machinery."""
    return key.startswith('_') or isinstance(value, types.ModuleType) or inspect.isclass(value) or callable(value)


def load_config(path: str | Path) -> Config:
    """Load ``path`` (with its ``read_base()`` parents) into an mmengine Config."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Config file '{path}' does not exist. Pass the path of a Python config such as "
            f"configs/eval_demo.py, or list the available ones with `python tools/list_configs.py`."
        )
    try:
        cfg = Config.fromfile(str(path))
    except SyntaxError as exc:
        raise ConfigError(
            f"Config file '{path}' is not valid Python: {exc.msg} at line {exc.lineno}. Fix the syntax and rerun."
        ) from None
    except Exception as exc:  # mmengine re-raises whatever the config's own code raised
        raise ConfigError(
            f"Config file '{path}' could not be loaded: {type(exc).__name__}: {exc}. "
            f"Check its imports and read_base() paths."
        ) from None
    for key in [k for k, v in cfg.items() if _is_helper(k, v)]:
        cfg.pop(key)
    return cfg
