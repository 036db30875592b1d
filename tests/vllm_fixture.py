"""The session fixture ``vllm_server``: one real vLLM server on the default model for every API test.

It starts through ``evalkit.serving`` (the code under test), so a broken server lifecycle fails
here first.  When the vLLM venv is absent and cannot be installed, or the server does not start,
the tests that need it skip with the reason (and the server log's tail), never silently.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from evalkit.serving import VLLMServer, VLLMServerError, VLLMVenvError, ensure_vllm_venv

SERVED_NAME = 'smollm2'


@pytest.fixture(scope='session')
def vllm_server() -> Iterator[VLLMServer]:
    from evalkit.models.embedded import prepare_embedded_model

    try:
        ensure_vllm_venv()
    except (VLLMVenvError, OSError) as exc:
        pytest.skip(f'vLLM venv missing and not installable (run: python tools/vllm_server.py setup): {exc}')
    server = VLLMServer(prepare_embedded_model(), SERVED_NAME)
    try:
        server.start()
    except VLLMServerError as exc:
        pytest.skip(f'the vLLM server did not start: {exc}')
    try:
        yield server
    finally:
        server.stop()
