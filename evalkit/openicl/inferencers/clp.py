"""Multiple choice by conditional log-probability: one next-token distribution per question.

The prompt stops where the answer letter would start; the model's distribution at its last
position is read at each option letter's token.  Cheaper than PPL (one prompt per question
instead of one per option) and it shows how sure the model is (``probs``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS


def normalised(logprobs: Sequence[float]) -> list[float]:
    """Probabilities over the choices alone (a softmax of their log-probabilities)."""
    top = max(logprobs)
    weights = [math.exp(lp - top) for lp in logprobs]
    return [w / sum(weights) for w in weights]


@INFERENCERS.register_module()
class CLPInferencer(BaseInferencer):
    """Conditional log-probability of each single-token choice after the generation prompt.

    ``choices`` (default A-D) are the predictions; the token read for a choice is the choice with
    a leading space when the rendered prompt ends in a visible character ("Answer:" -> " A") or in
    spaces (moved into the choice, "Answer: " -> " A"), and the choice alone after a line break
    (a chat template's "assistant\\n").  The record keeps ``probs``, the probabilities normalised
    over the choices, and ``logprobs``; ``prediction`` is the likeliest choice.
    """

    mode = 'clp'

    def __init__(self, choices: list | None = None, chunk_size: int = 64) -> None:
        super().__init__(chunk_size)
        self.choices = [str(c) for c in (choices or 'ABCD')]
        if len(self.choices) < 2 or len(set(self.choices)) != len(self.choices):
            raise ConfigError(f'CLPInferencer.choices: expected at least two distinct choices, got {choices!r}.')

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        return [builder.generation_prompt(i)], 0

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        prompts = [builder.generation_prompt(i) for i in indices]
        rendered = [model.render(p) for p in prompts]
        records: list[dict[str, Any] | None] = [None] * len(indices)
        ends_in_space = [not text or text[-1].isspace() for text in rendered]
        for spaced in (False, True):  # the choice after a space unless the prompt ends in whitespace
            part = [k for k, ws in enumerate(ends_in_space) if ws != spaced]
            if not part:
                continue
            tokens = [(' ' if spaced else '') + c for c in self.choices]
            logprobs = model.choice_logprobs([prompts[k] for k in part], tokens)
            cuts = truncated_tokens(model, len(part), len(tokens))
            for k, row_lp, cut in zip(part, logprobs, cuts):
                probs = normalised(row_lp)
                best = max(range(len(probs)), key=probs.__getitem__)
                i = indices[k]
                records[k] = with_truncation({
                    'index': i, 'prompt': rendered[k], 'prediction': self.choices[best],
                    'gold': builder.test[i].get(builder.output_column),
                    'probs': dict(zip(self.choices, probs)), 'logprobs': dict(zip(self.choices, row_lp))}, cut)
        return records  # type: ignore[return-value]
