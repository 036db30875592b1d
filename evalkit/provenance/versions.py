"""Versions of what computes a prediction: evalkit, its engine, python and the libraries.

Read from package metadata, never by importing, so the evaluation task and the
summary stay free of torch.  ``ENGINE_VERSION`` is read when asked for (not bound at
import), so the value in force is the one recorded.
"""
from __future__ import annotations

import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

import evalkit
from evalkit.models import engine

LIBRARIES = ('torch', 'transformers', 'datasets')
_CHECKOUT = Path(evalkit.__file__).resolve().parents[1]


@cache  # parsing package metadata costs ms, and installed versions do not change mid-run
def library_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def engine_version() -> int:
    return engine.ENGINE_VERSION


@cache
def git_commit() -> dict[str, object] | None:
    """``{'commit', 'dirty'}`` of the checkout evalkit runs from; None when not a checkout or git is absent."""
    if not (_CHECKOUT / '.git').exists():
        return None
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=_CHECKOUT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        status = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=_CHECKOUT,
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {'commit': head, 'dirty': bool(status.strip())}


def software_versions() -> dict[str, object]:
    """evalkit (version, engine version, git commit), python and library versions."""
    return {'evalkit': evalkit.__version__, 'engine_version': engine_version(), 'git': git_commit(),
            'python': platform.python_version(), **{lib: library_version(lib) for lib in LIBRARIES}}
