"""One set of ``ice_num`` pool rows that together represent the pool, shown to every test row.

Vote-k (Su et al., 2022, "Selective Annotation Makes Language Models Better Few-Shot
Learners"): every pool row votes for its ``votek_k`` nearest neighbours (sentence
embeddings); rows are picked one at a time, each the row with the most votes, where a voter
that already has ``m`` picked neighbours counts only ``rho ** -m`` (rho = 10), so later picks
come from regions of the pool not yet covered.  Ties go to the earlier pool row.  The first
(most representative) pick is shown last, next to the question.
"""
from __future__ import annotations

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.openicl.retrievers.base import RetrievalTask, best_last
from evalkit.openicl.retrievers.embeddings import EmbeddingRetriever
from evalkit.registry import RETRIEVERS

_DISCOUNT = 10.0  # the paper's rho
_BLOCK = 1024  # pool rows whose similarities are held at once while finding neighbours


def nearest_neighbours(vectors: np.ndarray, k: int) -> np.ndarray:
    """(rows x k) indices of each row's ``k`` most similar other rows."""
    found = []
    for start in range(0, len(vectors), _BLOCK):
        sims = vectors[start:start + _BLOCK] @ vectors.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -np.inf  # a row is not its own neighbour
        found += [best_last(row, k) for row in sims]
    return np.asarray(found, dtype=np.int64).reshape(len(vectors), k)


def vote_k(vectors: np.ndarray, select_num: int, k: int) -> list[int]:
    """Indices of ``select_num`` rows in the order vote-k picks them."""
    n = len(vectors)
    neighbours = nearest_neighbours(vectors, min(k, n - 1))
    picked: list[int] = []
    covered = np.zeros(n)  # per voter: how many of its neighbours are picked
    for _ in range(select_num):
        weights = _DISCOUNT ** -covered
        weights[picked] = 0.0  # picked rows no longer vote
        votes = np.bincount(neighbours.ravel(), weights=np.repeat(weights, neighbours.shape[1]), minlength=n)
        votes[picked] = -np.inf
        choice = int(np.argmax(votes))
        picked.append(choice)
        covered += (neighbours == choice).any(axis=1)
    return picked


@RETRIEVERS.register_module()
class VotekRetriever(EmbeddingRetriever):
    def __init__(self, ice_num: int = 1, votek_k: int = 3, ice_separator: str = '\n',
                 ice_eos_token: str = '\n') -> None:
        super().__init__(ice_num, ice_separator, ice_eos_token)
        if votek_k < 1:
            raise ConfigError(f'VotekRetriever.votek_k (neighbours each pool row votes for) must be at least 1, '
                              f'got {votek_k}.')
        self.votek_k = votek_k

    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        chosen = vote_k(self.pool_vectors(task), self.ice_num, self.votek_k)[::-1]
        return [list(chosen) for _ in task.test]
