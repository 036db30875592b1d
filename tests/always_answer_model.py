"""A model with total position bias: whatever the question, it answers the same option letter.

It stands in for the *model* in CircularEval tests (the evaluator and the circular copies are
real): such a model is right on exactly the copies whose gold sits at its favourite position, so
its ``perf_circular`` must be 0 and its ``acc_origin`` the share of questions whose gold is that
letter.  Configs name it by dotted path (``type='tests.always_answer_model.AlwaysAnswerModel'``).
"""
from __future__ import annotations

from collections.abc import Sequence

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt, prompt_to_text


class AlwaysAnswerModel(BaseModel):
    def __init__(self, abbr: str = 'always-a', letter: str = 'A') -> None:
        self.abbr = abbr
        self.letter = letter

    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = ()) -> list[str]:
        return [f'The answer is {self.letter}.' for _ in prompts]

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        """Lowest for the candidate prompt that ends with the favourite letter (PPL picks the lowest)."""
        return [0.0 if self.render(p).rstrip().endswith(self.letter) else 1.0 for p in prompts]

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        return [0.0 if c.strip() == self.letter else -1.0 for c in continuations]

    def render(self, prompt: Prompt) -> str:
        return prompt_to_text(prompt)
