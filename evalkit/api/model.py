"""The model contract: three request types, each scored or answered in bulk.

Inferencers hand a model whole lists of requests (not single batches) so the model
can sort, de-duplicate and share prefixes across them; it returns results in the
order it was given.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from evalkit.api.prompt import Prompt

# Keys of a model config meant for the runner (devices, scheduling), not the model class.
RUN_ONLY_MODEL_KEYS = ('run_cfg',)


class BaseModel(ABC):
    """A language model that evalkit can evaluate."""

    abbr: str
    # Tokens cut from the start of each prompt of the latest call (one entry per prompt, in order)
    # by a model that shortens over-long prompts; inferencers record it with each prediction so
    # truncated prompts are counted per dataset.  Models that never truncate leave it empty.
    last_truncation: Sequence[int] = ()

    @abstractmethod
    def generate(self, prompts: Sequence[Prompt], max_out_len: int,
                 stop_words: Sequence[str] = ()) -> list[str]:
        """Greedy continuation of each prompt.

        Returns one string per prompt: at most ``max_out_len`` new tokens, cut before the
        first stop word (the stop word itself is not returned).
        """

    # True when ``generate_each`` hands over answers while others are still being generated: the
    # generation inferencer then gives such a model a whole dataset at once (its batch stays full)
    # instead of chunks (which bound what a killed run loses for models that answer all at the end).
    streams_answers: bool = False

    def generate_each(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str],
                      on_done: Callable[[int, str], None]) -> None:
        """``generate``, handing each answer to ``on_done(prompt index, text)`` once it is final."""
        for i, text in enumerate(self.generate(prompts, max_out_len, stop_words)):
            on_done(i, text)

    @abstractmethod
    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        """Mean negative log-likelihood per token of each whole prompt (OpenCompass-style PPL).

        With ``mask_lengths``, the first ``mask_lengths[i]`` tokens of prompt i are context
        only: they condition the score but are not averaged.  Lower is better.
        """

    @abstractmethod
    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        """Sum of log-probabilities of ``continuations[i]`` given ``contexts[i]`` (lm-eval-style).

        Higher is better.
        """

    @abstractmethod
    def render(self, prompt: Prompt) -> str:
        """The exact text the model is fed for a prompt (used for logs and token counts)."""
