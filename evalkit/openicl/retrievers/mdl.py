"""The candidate example set that leaves the evaluated model most certain of the answer.

Minimum description length (Wu et al., 2022, "Self-adaptive In-context Learning"): for each
test row, ``select_time`` candidate sets of ``ice_num`` examples are drawn from its
``candidate_num`` nearest pool rows (the first set is TopK's choice, the others random,
seeded by ``seed`` and the row's index); the model scores every label of the row after each
set, and the set whose label distribution has the lowest entropy wins (the expected length
of the label's code, which MDL minimises; ties go to the earlier set).  Labels are the
template's labels (PPL templates) or the distinct answers of the pool (generation).

This is the one retriever that needs the model, so it runs inside the inference task, where
the model is loaded; without a model it refuses with an error.  Each test row costs
``select_time x labels`` scored prompts.
"""
from __future__ import annotations

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.openicl.retrievers.base import RetrievalTask, best_last
from evalkit.openicl.retrievers.embeddings import EmbeddingRetriever
from evalkit.registry import RETRIEVERS

_ROWS_PER_CALL = 64  # test rows whose candidate sets go to the model in one call


def entropy(logprobs: list[float]) -> float:
    p = np.exp(np.asarray(logprobs, dtype=np.float64))
    return float(-(p * np.asarray(logprobs)).sum())


@RETRIEVERS.register_module()
class MDLRetriever(EmbeddingRetriever):
    def __init__(self, ice_num: int = 1, candidate_num: int = 30, select_time: int = 5, seed: int = 1,
                 ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        super().__init__(ice_num, ice_separator, ice_eos_token)
        if candidate_num < ice_num:
            raise ConfigError(f'MDLRetriever.candidate_num ({candidate_num}) must be at least ice_num '
                              f'({ice_num}): candidate sets are drawn from that many nearest pool rows.')
        if select_time < 1:
            raise ConfigError(f'MDLRetriever.select_time (candidate sets scored per test row) must be at least 1, '
                              f'got {select_time}.')
        self.candidate_num = candidate_num
        self.select_time = select_time
        self.seed = seed

    def candidate_sets(self, i: int, relevance: np.ndarray) -> list[tuple[int, ...]]:
        """Test row ``i``'s candidate example sets, each in prompt order (most relevant last)."""
        nearest = best_last(relevance, min(self.candidate_num, len(relevance)))[::-1]  # most relevant first
        rng = np.random.default_rng([self.seed, i])
        sets = [tuple(nearest[:self.ice_num][::-1])]
        for _ in range(self.select_time - 1):
            drawn = sorted(rng.choice(len(nearest), self.ice_num, replace=False), reverse=True)
            sets.append(tuple(nearest[k] for k in drawn))
        return sets

    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        if task.label_logprobs is None:
            raise ConfigError(
                'MDLRetriever chooses each row\'s examples by asking the evaluated model, but no model was given '
                'here (prompt previews and estimates run without one). Run the inference task, or use '
                'TopkRetriever to see prompts without a model.')
        relevance = self.test_vectors(task) @ self.pool_vectors(task).T
        sets = [self.candidate_sets(i, relevance[i]) for i in range(len(task.test))]
        chosen: list[list[int]] = []
        for start in range(0, len(sets), _ROWS_PER_CALL):
            block = range(start, min(start + _ROWS_PER_CALL, len(sets)))
            scores = task.label_logprobs([(i, s) for i in block for s in sets[i]])
            for n, i in enumerate(block):
                entropies = [entropy(lp) for lp in scores[n * self.select_time:(n + 1) * self.select_time]]
                chosen.append(list(sets[i][int(np.argmin(entropies))]))
        return chosen
