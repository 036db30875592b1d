"""The inferencer contract: rows in, prediction records out, chunk by chunk."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.openicl.prompt_builder import PromptBuilder


class BaseInferencer(ABC):
    """Runs a model over the pending rows of a dataset.

    ``chunk_size`` rows are handed to the model at once (so it can batch, sort and
    share prefixes across them) and then written out, which bounds what a killed
    run loses.
    """

    mode: str = ''

    def __init__(self, chunk_size: int = 64) -> None:
        self.chunk_size = chunk_size

    @abstractmethod
    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        """One record per index: at least ``index``, ``prediction`` and ``gold``."""

    @abstractmethod
    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        """What the model is asked for row ``i``: the prompts it reads and the most tokens it
        generates for each.  Partitioners weigh rows by it without loading a model."""

    def run(self, model: BaseModel, builder: PromptBuilder, pending: Sequence[int],
            write: Callable[[list[dict[str, Any]]], None], desc: str = '') -> None:
        with tqdm(total=len(pending), desc=desc, unit='row', leave=False, mininterval=2) as bar:
            for start in range(0, len(pending), self.chunk_size):
                chunk = pending[start:start + self.chunk_size]
                write(self.infer_chunk(model, builder, chunk))
                bar.update(len(chunk))
