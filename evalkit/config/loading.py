"""Read a Python config file with mmengine, keeping only what describes the run.

mmengine executes the file, so every name the file imports (classes, helper
functions, modules) and every ``_loop`` variable would otherwise travel along as a
top-level key.  We drop those, and turn every failure into a ConfigError that names the file.
"""
from __future__ import annotations

import difflib
import inspect
import types
from pathlib import Path

from mmengine.config import Config

from evalkit.config.errors import ConfigError


def _is_helper(key: str, value: object) -> bool:
    """Imported classes, functions and modules, and ``_private`` variables, are config machinery."""
    return key.startswith('_') or isinstance(value, types.ModuleType) or inspect.isclass(value) or callable(value)


# What a run config may set; everything else in the file (the ``*_datasets`` lists imported
# with read_base() to build ``datasets`` from, loop variables...) is a building block.
RUN_KEYS = ('models', 'datasets', 'infer', 'eval', 'summarizer', 'work_dir', 'allow_code_execution', 'judge_models',
            'judge', 'notify')


def run_config(cfg: Config, source: str) -> Config:
    """The part of a loaded config that describes the run (what is used, dumped and hashed).

    A key that looks like a misspelt run key is an error rather than silently unused."""
    for key in cfg:
        close = difflib.get_close_matches(key, RUN_KEYS, n=1, cutoff=0.8)
        if key not in RUN_KEYS and close:
            raise ConfigError(f"{source}: unknown top-level key '{key}'. Did you mean '{close[0]}'? "
                              f"A run config sets {', '.join(RUN_KEYS)}.")
    return Config({k: cfg[k] for k in RUN_KEYS if k in cfg})


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
    except RecursionError:
        raise ConfigError(
            f"Config file '{path}' could not be loaded: its read_base() imports form a cycle (a config that "
            f"imports itself, directly or through others). Remove the import that leads back to it."
        ) from None
    except Exception as exc:  # mmengine re-raises whatever the config's own code raised
        raise ConfigError(
            f"Config file '{path}' could not be loaded: {type(exc).__name__}: {exc}. "
            f"Check its imports and read_base() paths."
        ) from None
    for key in [k for k, v in cfg.items() if _is_helper(k, v)]:
        cfg.pop(key)
    return cfg
