"""Find model and dataset configs by name (the file stem under configs/models or configs/datasets)."""
from __future__ import annotations

import difflib
import fnmatch
from pathlib import Path

from evalkit.config.errors import ConfigError
from evalkit.resources import shipped

CONFIG_ROOT = shipped('configs')  # the checkout's configs/, or the wheel's copy
KINDS = ('models', 'datasets')


def index(kind: str) -> dict[str, Path]:
    """name -> path of every config of ``kind``; names are unique across sub-folders."""
    found: dict[str, Path] = {}
    for path in sorted((CONFIG_ROOT / kind).rglob('*.py')):
        if path.name.startswith('_'):
            continue
        if path.stem in found:
            raise ConfigError(f"Two {kind} configs are both named '{path.stem}': {found[path.stem]} and {path}. "
                              f"Rename one; names select configs on the command line.")
        found[path.stem] = path
    return found


def find(kind: str, name: str) -> Path:
    configs = index(kind)
    if name in configs:
        return configs[name]
    close = difflib.get_close_matches(name, list(configs), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
    raise ConfigError(f"Unknown {kind[:-1]} config '{name}'.{hint} "
                      f"See them all with `python tools/list_configs.py`, or pass a config file path.")


def matching(kind: str, patterns: list[str]) -> dict[str, Path]:
    """Configs whose names match any pattern (substring, or shell wildcards)."""
    configs = index(kind)
    if not patterns:
        return configs
    globs = [p if any(c in p for c in '*?[') else f'*{p}*' for p in patterns]
    return {n: p for n, p in configs.items() if any(fnmatch.fnmatch(n.lower(), g.lower()) for g in globs)}
