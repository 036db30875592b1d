"""Free-form generation: the model continues each prompt."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from tqdm import tqdm

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS

# Longest a finished answer waits in memory before it is written to the predictions file.
FLUSH_SECONDS = 10.0


@INFERENCERS.register_module()
class GenInferencer(BaseInferencer):
    """Greedy generation; ``max_out_len`` falls back to the model's own setting."""

    mode = 'gen'

    def __init__(self, max_out_len: int | None = None, stop_words: list | None = None, chunk_size: int = 64) -> None:
        super().__init__(chunk_size)
        self.max_out_len = max_out_len
        self.stop_words = list(stop_words or [])

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        return [builder.generation_prompt(i)], self.max_out_len or model_max_out_len

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        records: dict[int, dict[str, Any]] = {}
        self._generate(model, builder, indices, lambda record: records.__setitem__(record['index'], record))
        return [records[i] for i in indices]

    def run(self, model: BaseModel, builder: PromptBuilder, pending: Sequence[int],
            write: Callable[[list[dict[str, Any]]], None], desc: str = '') -> None:
        """A model that streams answers gets every pending row at once (its decode batch stays full
        to the end instead of draining at every chunk); finished answers are written at least every
        ``FLUSH_SECONDS``, so a kill loses only what was still being generated and the last seconds."""
        if not model.streams_answers:
            return super().run(model, builder, pending, write, desc)
        done: list[dict[str, Any]] = []
        last_write = time.monotonic()
        with tqdm(total=len(pending), desc=desc, unit='row', leave=False, mininterval=2) as bar:
            def keep(record: dict[str, Any]) -> None:
                nonlocal last_write
                done.append(record)
                bar.update(1)
                if len(done) >= self.chunk_size or time.monotonic() - last_write >= FLUSH_SECONDS:
                    write(done[:])
                    done.clear()
                    last_write = time.monotonic()

            self._generate(model, builder, pending, keep)
        if done:
            write(done)

    def _generate(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int],
                  keep: Callable[[dict[str, Any]], None]) -> None:
        """Generate for ``indices``, handing each finished row's record to ``keep``."""
        prompts = [builder.generation_prompt(i) for i in indices]
        max_out_len = self.max_out_len or getattr(model, 'max_out_len', 256)
        cuts: list[int] = []

        def record(k: int, text: str) -> None:
            if not cuts:  # the model reports what it cut from each prompt before the first answer is final
                cuts.extend(truncated_tokens(model, len(indices)))
            i = indices[k]
            keep(with_truncation({'index': i, 'prompt': model.render(prompts[k]), 'prediction': text,
                                  'gold': builder.test[i].get(builder.output_column)}, cuts[k]))

        model.generate_each(prompts, max_out_len, self.stop_words, record)
