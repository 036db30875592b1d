"""The retriever contract: which train rows each test row is shown as in-context examples.

A retriever gets everything in one ``RetrievalTask``: the pool (the train split), the test
rows, which columns make up a row's text (for retrievers that compare texts), and, when the
evaluated model is loaded, a way to ask it how sure it is of a row's label with a given set
of examples (only ``MDLRetriever`` needs that).  Retrievers are deterministic: anything random
is drawn from the config's ``seed`` and the test row's index, so a row gets the same examples
in every run, process and shard.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.config.errors import ConfigError

# (test row index, train row indices in prompt order) -> the model's log-probability of each label
LabelLogprobs = Callable[[Sequence[tuple[int, tuple[int, ...]]]], list[list[float]]]


def row_text(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """What a row says, for retrievers that compare rows: its input columns joined by spaces."""
    return ' '.join(str(row[c]) for c in columns if row.get(c) is not None)


def best_last(scores: np.ndarray, k: int) -> list[int]:
    """The ``k`` highest-scoring indices, the best last (ties: the lower index counts as better)."""
    order = np.argsort(-np.asarray(scores), kind='stable')[:k]
    return [int(j) for j in order[::-1]]


@dataclass(frozen=True)
class RetrievalTask:
    """One dataset's retrieval problem.  ``label_logprobs`` is None when no model is loaded
    (prompt previews, cost estimates before the model loads)."""

    train: Sequence[Mapping[str, Any]]
    test: Sequence[Mapping[str, Any]]
    input_columns: Sequence[str]
    label_logprobs: LabelLogprobs | None = None

    def train_texts(self) -> list[str]:
        return [row_text(row, self.input_columns) for row in self.train]

    def test_texts(self) -> list[str]:
        return [row_text(row, self.input_columns) for row in self.test]


class BaseRetriever(ABC):
    """Chooses in-context examples; ``ice_separator``/``ice_eos_token`` join them into one block."""

    def __init__(self, ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        self.ice_separator = ice_separator
        self.ice_eos_token = ice_eos_token

    @abstractmethod
    def retrieve(self, task: RetrievalTask) -> list[list[int]]:
        """For each test row, the indices of the train rows to show before it, in prompt order."""

    def stand_in(self, task: RetrievalTask) -> list[list[int]]:
        """Examples good enough to estimate prompt lengths before any model loads (partitioners).

        The real choice unless making it costs real work (embeddings, model calls)."""
        return self.retrieve(task)

    @classmethod
    def identity(cls) -> dict[str, str]:
        """Digests of what decides the choice besides the config and the data (a sentence encoder, say):
        part of the prediction key, so a new release of it reruns the datasets it picks examples for."""
        return {}


class KShotRetriever(BaseRetriever):
    """A retriever that shows ``ice_num`` examples per test row, chosen from the pool by some rule.

    Ranked retrievers (BM25, TopK, DPP, MDL) put their best example last, right before the
    question, where it influences the answer most.
    """

    def __init__(self, ice_num: int = 1, ice_separator: str = '\n', ice_eos_token: str = '\n') -> None:
        super().__init__(ice_separator, ice_eos_token)
        if ice_num < 1:
            raise ConfigError(f'{type(self).__name__}.ice_num must be at least 1, got {ice_num}. '
                              f'For zero-shot prompts use ZeroRetriever.')
        self.ice_num = ice_num

    def check_pool(self, task: RetrievalTask) -> None:
        """Refuse a pool smaller than ``ice_num``: silently showing fewer examples would change the task."""
        if len(task.train) < self.ice_num:
            raise ConfigError(
                f'{type(self).__name__}.ice_num is {self.ice_num}, but the in-context split has only '
                f'{len(task.train)} rows. Lower ice_num or use a larger reader_cfg.train_split.')
