"""Free-form generation: the model continues each prompt."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.openicl.inferencers.base import BaseInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS


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
        prompts = [builder.generation_prompt(i) for i in indices]
        max_out_len = self.max_out_len or getattr(model, 'max_out_len', 256)
        outputs = model.generate(prompts, max_out_len=max_out_len, stop_words=self.stop_words)
        return [{'index': i, 'prompt': model.render(p), 'prediction': out,
                 'gold': builder.test[i].get(builder.output_column)}
                for i, p, out in zip(indices, prompts, outputs)]
