"""Fixtures of the dataset tests: a temporary data root for files a test writes, and an offline hub."""
from __future__ import annotations

from pathlib import Path

import datasets.config
import huggingface_hub.constants
import pytest

from evalkit.datasets.data_root import ENV_VAR


@pytest.fixture
def offline_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """No local copy means a hub download; offline, it fails at once instead of retrying for 25 s."""
    monkeypatch.setattr(datasets.config, 'HF_HUB_OFFLINE', True)
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_OFFLINE', True)


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data root searched before data/ and ../shared/datasets (what --data-root sets)."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    return tmp_path
