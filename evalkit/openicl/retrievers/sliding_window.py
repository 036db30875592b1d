"""The ``ice_num`` pool rows that come just before the test row's position.

"Previous k rows" is read by position: test row ``i`` is shown pool rows ``i-k .. i-1``,
oldest first, counted round from the end of the pool where ``i < k`` (and modulo the pool
size past its end).  When the pool *is* the test split (``train_split == test_split``) these
are exactly the k questions asked before, and with ``ice_num`` below the pool size a row never
sees itself; with a separate train split it is a window that slides through the pool, so
neighbouring questions share all but one example.
"""
from __future__ import annotations

from evalkit.openicl.retrievers.base import KShotRetriever, RetrievalTask
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class SlidingWindowRetriever(KShotRetriever):
    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        size = len(task.train)
        return [[(i - self.ice_num + j) % size for j in range(self.ice_num)] for i in range(len(task.test))]
