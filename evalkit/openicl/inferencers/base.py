"""The inferencer contract: rows in, prediction records out, chunk by chunk."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.openicl.prompt_builder import PromptBuilder


def truncated_tokens(model: BaseModel, rows: int, prompts_per_row: int = 1) -> list[int]:
    """Tokens the model cut from each row's prompts in its latest call (the most of a row's
    prompts), read right after the call; zeros for a model that does not report it."""
    cuts = list(model.last_truncation)
    if len(cuts) != rows * prompts_per_row:
        return [0] * rows
    return [max(cuts[r * prompts_per_row:(r + 1) * prompts_per_row]) for r in range(rows)]


def with_truncation(record: dict[str, Any], cut: int) -> dict[str, Any]:
    """A prediction record, marked when its prompt lost ``cut`` tokens to left truncation
    (evaluation counts these as the dataset's ``truncated_prompts``)."""
    return {**record, 'truncated_tokens': cut} if cut else record


class BaseInferencer(ABC):
    """Runs a model over the pending rows of a dataset.

    ``chunk_size`` rows are handed to the model at once (so it can batch, sort and
    share prefixes across them) and then written out, which bounds what a killed
    run loses.
    """

    mode: str = ''
    # Whether prompts come from the dataset's prompt/ice templates (validation then requires one).
    reads_templates: bool = True

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
