"""``ice_num`` pool rows drawn at random for each test row: the usual few-shot baseline.

Row ``i`` draws from a generator seeded with ``(seed, i)``, so its examples do not depend on
which other rows are evaluated (``limit``, shards) and are the same in every process.
"""
from __future__ import annotations

import numpy as np

from evalkit.openicl.retrievers.base import KShotRetriever, RetrievalTask
from evalkit.registry import RETRIEVERS


@RETRIEVERS.register_module()
class RandomRetriever(KShotRetriever):
    def __init__(self, ice_num: int = 1, seed: int = 43, ice_separator: str = '\n',
                 ice_eos_token: str = '\n') -> None:
        super().__init__(ice_num, ice_separator, ice_eos_token)
        self.seed = seed

    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        self.check_pool(task)
        return [[int(j) for j in np.random.default_rng([self.seed, i]).choice(len(task.train), self.ice_num,
                                                                               replace=False)]
                for i in range(len(task.test))]
