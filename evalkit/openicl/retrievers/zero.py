"""Zero-shot: no in-context examples."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.openicl.retrievers.base import BaseRetriever
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class ZeroRetriever(BaseRetriever):
    def retrieve(self, train: Sequence[Mapping[str, Any]], test: Sequence[Mapping[str, Any]]) -> list[list[int]]:
        return [[] for _ in range(len(test))]
