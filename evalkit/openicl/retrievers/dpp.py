"""Examples that are relevant to the test row *and* unlike each other, by a determinantal point process.

Among the ``candidate_num`` pool rows most similar to the test row (TopK's ranking), the
``ice_num`` examples are the set ``Y`` that greedily maximises ``log det L_Y`` for the kernel
``L_ij = q_i S_ij q_j``: ``S`` the cosine similarities of the candidates to each other, ``q_i =
exp(r_i / (2 * scale_factor))`` with ``r_i`` candidate i's similarity to the test row.  Then
``log det L_Y = sum(r_i) / scale_factor + log det S_Y``: relevance plus diversity (near
duplicates make ``S_Y`` almost singular), traded off by ``scale_factor`` (small: relevance
rules; large: diversity does).  Greedy MAP inference follows Chen et al. (2018, "Fast Greedy
MAP Inference for Determinantal Point Process"), with an incremental Cholesky factor.  It is
deterministic; ties go to the more relevant candidate.  The first pick is shown last.
"""
from __future__ import annotations

import numpy as np

from evalkit.config.errors import ConfigError
from evalkit.openicl.retrievers.base import RetrievalTask, best_last
from evalkit.openicl.retrievers.embeddings import EmbeddingRetriever
from evalkit.registry import RETRIEVERS


def greedy_map(kernel: np.ndarray, k: int) -> list[int]:
    """Indices of ``k`` items in the order greedy MAP adds them to the DPP's most likely set.

    ``gains[i]`` is the factor by which adding item i multiplies ``det L_Y`` (the squared
    Cholesky diagonal it would get); ``factors`` holds each item's Cholesky row so far.
    """
    n = len(kernel)
    gains = np.diag(kernel).astype(np.float64).copy()
    factors = np.zeros((k, n))
    picked: list[int] = []
    for step in range(k):
        masked = gains.copy()
        masked[picked] = -np.inf
        j = int(np.argmax(masked))
        picked.append(j)
        norm = np.sqrt(max(gains[j], 0.0))
        if norm < 1e-12:  # the rest lie in the span of what is picked: no gain left to rank by
            continue
        row = (kernel[j] - factors[:step, j] @ factors[:step]) / norm
        factors[step] = row
        gains = gains - row ** 2
    return picked


@RETRIEVERS.register_module()
class DPPRetriever(EmbeddingRetriever):
    def __init__(self, ice_num: int = 1, candidate_num: int = 30, scale_factor: float = 0.1, seed: int = 1,
                 ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        """``seed`` is accepted so OpenCompass DPP configs run unchanged; greedy MAP draws nothing at
        random, so every seed gives the same examples."""
        super().__init__(ice_num, ice_separator, ice_eos_token)
        if candidate_num < ice_num:
            raise ConfigError(f'DPPRetriever.candidate_num ({candidate_num}) must be at least ice_num '
                              f'({ice_num}): the examples are chosen among that many nearest pool rows.')
        if scale_factor <= 0:
            raise ConfigError(f'DPPRetriever.scale_factor must be positive, got {scale_factor}; '
                              f'smaller values weigh relevance more, larger ones diversity.')
        self.candidate_num = candidate_num
        self.scale_factor = scale_factor

    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        pool = self.pool_vectors(task).astype(np.float64)
        chosen = []
        for relevance in self.test_vectors(task) @ pool.T:
            candidates = best_last(relevance, min(self.candidate_num, len(pool)))[::-1]  # most relevant first
            quality = np.exp((relevance[candidates] - relevance[candidates].max()) / (2 * self.scale_factor))
            kernel = quality[:, None] * (pool[candidates] @ pool[candidates].T) * quality[None, :]
            chosen.append([candidates[c] for c in greedy_map(kernel, self.ice_num)][::-1])
        return chosen
