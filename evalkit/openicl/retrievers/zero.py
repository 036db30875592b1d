"""Zero-shot: no in-context examples."""
from __future__ import annotations

from evalkit.openicl.retrievers.base import BaseRetriever, RetrievalTask
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class ZeroRetriever(BaseRetriever):
    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        return [[] for _ in task.test]
