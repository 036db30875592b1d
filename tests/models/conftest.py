"""The real default model (SmolLM2-135M-Instruct, float32), loaded once per test session.

Tests run torch on one thread: on a machine shared with other jobs, two threads
stall at every parallel region (small matmuls take 15 ms instead of 0.2 ms).
"""
from __future__ import annotations

import pytest
import torch

from evalkit.models import HuggingFaceCausalLM


@pytest.fixture(scope='session')
def base_lm() -> HuggingFaceCausalLM:
    torch.set_num_threads(1)
    return HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='base', batch_size=8)


@pytest.fixture(scope='session')
def chat_lm() -> HuggingFaceCausalLM:
    torch.set_num_threads(1)
    return HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='chat', batch_size=8)
