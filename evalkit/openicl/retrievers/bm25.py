"""The ``ice_num`` pool rows that share the most (rare) words with the test row, by BM25 (Okapi).

Lexical overlap suits benchmarks whose related questions reuse names and terms; it needs no
model and no embeddings.  Scores come from ``rank-bm25``; words from ``text_tokens`` (which
segments Chinese).  Ties go to the earlier pool row.
"""
from __future__ import annotations

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.openicl.retrievers.base import KShotRetriever, RetrievalTask, best_last
from evalkit.openicl.retrievers.text_tokens import text_tokens
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class BM25Retriever(KShotRetriever):
    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        try:
            from rank_bm25 import BM25Okapi
        except ImportError:
            raise ConfigError('BM25Retriever needs rank-bm25: pip install rank-bm25') from None
        # a word-less row would make rank-bm25 divide by zero; a placeholder word matches nothing real
        corpus = [text_tokens(text) or ['\0'] for text in task.train_texts()]
        index = BM25Okapi(corpus)
        return [best_last(np.asarray(index.get_scores(text_tokens(query))), self.ice_num)
                for query in task.test_texts()]
