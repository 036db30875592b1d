"""The model contract: four request types, each scored or answered in bulk.

Inferencers hand a model whole lists of requests (not single batches) so the model
can sort, de-duplicate and share prefixes across them; it returns results in the
order it was given.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

from evalkit.api.prompt import Prompt
from evalkit.api.sampling import GREEDY, Sampling
from evalkit.config.errors import ConfigError

# Keys of a model config meant for the runner (devices, scheduling) or the task (``serve``: a vLLM server
# the inference task starts for the model, see ``evalkit.serving.accelerator``), not the model class.
RUN_ONLY_MODEL_KEYS = ('run_cfg', 'serve')


class BaseModel(ABC):
    """A language model that evalkit can evaluate."""

    abbr: str
    # Tokens cut from the start of each prompt of the latest call (one entry per prompt, in order)
    # by a model that shortens over-long prompts; inferencers record it with each prediction so
    # truncated prompts are counted per dataset.  Models that never truncate leave it empty.
    last_truncation: Sequence[int] = ()
    # The model's own decoding (its config's generation_kwargs); inferencers may override it per dataset.
    sampling: Sampling = GREEDY

    @abstractmethod
    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = (),
                 sampling: Sampling | None = None, seeds: Sequence[int] | None = None) -> list[str]:
        """Continuation of each prompt, greedy unless ``sampling`` (default: ``self.sampling``) samples.

        Returns one string per prompt: at most ``max_out_len`` new tokens, cut before the
        first stop word (the stop word itself is not returned).  When sampling, prompt i's
        tokens are drawn with its own generator seeded with ``seeds[i]`` (default:
        ``sampling.request_seed(i, 0)``), so the same prompt and seed give the same text
        whatever else is in the call; ``num_return_sequences`` is the caller's to expand.
        Inferencers pass ``sampling`` only when it samples, so greedy-only models may omit both.
        """

    # True when ``generate_each`` hands over answers while others are still being generated: the
    # generation inferencer then gives such a model a whole dataset at once (its batch stays full)
    # instead of chunks (which bound what a killed run loses for models that answer all at the end).
    streams_answers: bool = False

    def generate_each(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str],
                      on_done: Callable[[int, str], None], sampling: Sampling | None = None,
                      seeds: Sequence[int] | None = None) -> None:
        """``generate``, handing each answer to ``on_done(prompt index, text)`` once it is final."""
        sampled = {} if sampling is None else {'sampling': sampling, 'seeds': seeds}
        for i, text in enumerate(self.generate(prompts, max_out_len, stop_words, **sampled)):
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

    def choice_logprobs(self, prompts: Sequence[Prompt], choices: Sequence[str]) -> list[list[float]]:
        """For each prompt, ``log p(choice | prompt)`` of every single-token ``choices[j]``, read from
        one distribution: the log-softmax at the prompt's last position (each choice is tokenised
        alone).  Raises ConfigError when a choice is not exactly one token."""
        raise ConfigError(f"model '{self.abbr}' ({type(self).__name__}) cannot read next-token probabilities, "
                          f"which CLPInferencer needs; use LLInferencer or PPLInferencer with it instead.")

    @abstractmethod
    def render(self, prompt: Prompt) -> str:
        """The exact text the model is fed for a prompt (used for logs and token counts)."""

    def use_response_cache(self, folder: Path) -> None:
        """Answer repeated requests from files in ``folder`` (the run's API cache) and add new answers
        there.  Why: a model billed per request must not pay twice for a resumed run; models that
        compute locally have nothing to cache and ignore it."""
        return None

    def scoring_work(self) -> dict[str, int]:
        """What scoring has computed so far in this process: tokens through the decoder, positions
        through the output head.  Why: the inference task logs it, so a benchmark can price the time
        no engine could beat for exactly this work.  Models that run no network here report nothing."""
        return {}
