"""The ``ice_num`` pool rows most similar in meaning to the test row (sentence embeddings).

Semantically close examples help most on tasks where questions of one kind need one kind of
answer (Liu et al., 2021, "What Makes Good In-Context Examples for GPT-3?").  Similarity is the
cosine of all-MiniLM-L6-v2 embeddings (see ``embeddings``); the most similar example comes
last, next to the question; ties go to the earlier pool row.
"""
from __future__ import annotations

from evalkit.openicl.retrievers.base import RetrievalTask, best_last
from evalkit.openicl.retrievers.embeddings import EmbeddingRetriever
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class TopkRetriever(EmbeddingRetriever):
    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        return [best_last(row, self.ice_num) for row in self.test_vectors(task) @ self.pool_vectors(task).T]
