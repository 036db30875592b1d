"""Where dataset files are looked for, in order.

1. ``$EVALKIT_DATA_ROOT`` (``--data-root`` sets it for the run and its tasks);
2. the project's ``data/`` (small samples we ship; inside the package for a wheel: ``evalkit/resources.py``);
3. ``../shared/datasets`` beside the project, when present (the real benchmarks).
The first root that holds the requested files wins.
"""
from __future__ import annotations

import os
from pathlib import Path

from evalkit.resources import shipped

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = 'EVALKIT_DATA_ROOT'


def data_roots() -> list[Path]:
    roots = []
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]).expanduser())
    roots.append(shipped('data'))
    shared = PROJECT_ROOT.parent / 'shared' / 'datasets'
    if shared.is_dir():
        roots.append(shared)
    return roots


def find_local(relative_paths: list[str]) -> Path | None:
    """The first data root holding every one of ``relative_paths``, or None."""
    for root in data_roots():
        if all((root / rel).is_file() for rel in relative_paths):
            return root
    return None


def describe_roots() -> str:
    return ', '.join(str(r) for r in data_roots())
