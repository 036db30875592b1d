"""The model contract: three request types, each scored or answered in bulk.

Inferencers hand a model whole lists of requests (not single batches) so the model
can sort, de-duplicate and share prefixes across them; it returns results in the
order it was given.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from evalkit.api.prompt import Prompt

# Keys of a model config meant for the runner (devices, scheduling), not the model class.
RUN_ONLY_MODEL_KEYS = ('run_cfg',)


class BaseModel(ABC):
    """A language model that evalkit can evaluate."""

    abbr: str

    @abstractmethod
    def generate(self, prompts: Sequence[Prompt], max_out_len: int,
                 stop_words: Sequence[str] = ()) -> list[str]:
        """Greedy continuation of each prompt.

        Returns one string per prompt: at most ``max_out_len`` new tokens, cut before the
        first stop word (the stop word itself is not returned).
        """

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
