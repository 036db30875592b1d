"""Shared fixtures: run the real CLI in a subprocess, locate real data, skip visibly when it is absent,
the real model once per session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.vllm_fixture import vllm_server  # noqa: F401

if TYPE_CHECKING:  # torch and transformers load only in sessions that use the model
    from evalkit.models import HuggingFaceCausalLM

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT_ROOT.parent / 'shared' / 'datasets'

requires_shared_mmlu = pytest.mark.skipif(
    not (SHARED_DATASETS / 'mmlu' / 'test').is_dir(),
    reason=f'real MMLU not found at {SHARED_DATASETS}/mmlu (the shared benchmark folder is absent)')


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({'HF_HUB_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1', 'TRANSFORMERS_VERBOSITY': 'error'})
    env.update(extra)
    return env


def run_cli(*args: str, timeout: int = 900, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python run.py ARGS`` from the project root, as a user would type it."""
    return subprocess.run([sys.executable, 'run.py', *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env or cli_env())


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path / 'outputs'


def only_run_dir(work_dir: Path) -> Path:
    runs = [p for p in work_dir.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


# The real default model (SmolLM2-135M-Instruct, float32), loaded once per test session and shared by
# every test folder.  Tests run torch on one thread: on a machine shared with other jobs, two threads
# stall at every parallel region (small matmuls take 15 ms instead of 0.2 ms).
def _default_model(mode: str) -> HuggingFaceCausalLM:
    import torch

    from evalkit.models import HuggingFaceCausalLM

    torch.set_num_threads(1)
    return HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode=mode, batch_size=8)


@pytest.fixture(scope='session')
def base_lm() -> HuggingFaceCausalLM:
    return _default_model('base')


@pytest.fixture(scope='session')
def chat_lm() -> HuggingFaceCausalLM:
    return _default_model('chat')
