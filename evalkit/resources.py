"""Where the configs and data samples that ship with evalkit live, checkout or installed wheel alike.

In a source checkout they are the top-level ``configs/`` and ``data/`` folders, edited in place.  A
wheel maps the same folders into the package as ``evalkit/_bundled/`` (``setup.py``), since a wheel
can only install files inside packages; lookups go through here so both layouts work from any
working directory.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / '_bundled'


def is_checkout() -> bool:
    """True when evalkit runs from its source tree (editable installs included), not from a wheel."""
    return (SOURCE_ROOT / 'pyproject.toml').is_file() and (SOURCE_ROOT / 'configs').is_dir()


def shipped(folder: Literal['configs', 'data']) -> Path:
    """The bundled ``configs`` or ``data`` folder of this installation."""
    return (SOURCE_ROOT if is_checkout() else BUNDLED_DIR) / folder


def default_outputs_root() -> Path:
    """Where runs go without ``-w``: the checkout's ``outputs/`` as always; for an installed evalkit,
    ``outputs/`` in the working directory (never inside site-packages)."""
    return SOURCE_ROOT / 'outputs' if is_checkout() else Path.cwd() / 'outputs'
