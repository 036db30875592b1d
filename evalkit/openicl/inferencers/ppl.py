"""Multiple choice by perplexity: score every candidate label's full prompt, pick the lowest."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS


@INFERENCERS.register_module()
class PPLInferencer(BaseInferencer):
    """OpenCompass-style PPL: mean token NLL of each label's whole prompt; lowest wins."""

    mode = 'ppl'

    def __init__(self, labels: list | None = None, chunk_size: int = 64) -> None:
        super().__init__(chunk_size)
        self.labels = list(labels) if labels else None

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        return [builder.label_prompt(i, label) for label in self.labels or builder.labels], 0

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        labels = self.labels or builder.labels
        prompts = [builder.label_prompt(i, label) for i in indices for label in labels]
        scores = model.perplexity(prompts)
        cuts = truncated_tokens(model, len(indices), len(labels))
        records = []
        for n, i in enumerate(indices):
            row_scores = scores[n * len(labels):(n + 1) * len(labels)]
            best = min(range(len(labels)), key=lambda k: row_scores[k])
            records.append(with_truncation({
                'index': i, 'prompt': model.render(prompts[n * len(labels) + best]),
                'prediction': labels[best], 'gold': builder.test[i].get(builder.output_column),
                'scores': {str(label): s for label, s in zip(labels, row_scores)}}, cuts[n]))
        return records
