"""The retriever contract."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any


class BaseRetriever(ABC):
    """Chooses in-context examples; ``ice_separator``/``ice_eos_token`` join them into one block."""

    def __init__(self, ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        self.ice_separator = ice_separator
        self.ice_eos_token = ice_eos_token

    @abstractmethod
    def retrieve(self, train: Sequence[Mapping[str, Any]], test: Sequence[Mapping[str, Any]]) -> list[list[int]]:
        """For each test row, the indices of the train rows to show before it, in order."""
