"""Self-consistency: several sampled answers per question, and a majority vote over their final answers.

Inference only samples (``sc_size`` answers per row, each with its own seed, all kept in the
record's ``samples``); the vote happens at evaluation (``evalkit.tasks.evaluate``), after the
dataset's ``pred_postprocessor`` has turned each sample into a final answer, so changing the
postprocessor re-votes without re-sampling.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.sampling import Sampling
from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers.gen import GenInferencer
from evalkit.registry import INFERENCERS


def majority_vote(answers: Sequence[Any]) -> Any:
    """The most common answer.  Empty answers (nothing could be extracted) do not vote; a tie goes to
    the tied answer that appears first in sample order, so the same samples always give the same vote.
    Returns '' when no sample gave an answer."""
    counts = Counter(a for a in answers if a != '')
    if not counts:
        return ''
    return max(counts, key=counts.__getitem__)  # Counter keeps first-seen order; max keeps the first of ties


def _check_sc_size(sc_size: Any, where: str) -> None:
    if not isinstance(sc_size, int) or isinstance(sc_size, bool) or sc_size < 1:
        raise ConfigError(f'{where}.sc_size: expected an integer >= 1 (answers sampled per question; 5 to 40 '
                          f'is usual), got {sc_size!r}.')


@INFERENCERS.register_module()
class SCInferencer(GenInferencer):
    """``sc_size`` sampled answers per question; evaluation votes over their postprocessed answers.

    Sampling must be on: set ``temperature`` (> 0) here or in the model's ``generation_kwargs``.
    """

    # Tells the evaluation task to vote over each record's ``samples`` instead of reading ``prediction``.
    votes = True

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        super().check_config(cfg, where)
        _check_sc_size(cfg.get('sc_size', 5), where)

    def __init__(self, sc_size: int = 5, max_out_len: int | None = None, stop_words: list | None = None,
                 chunk_size: int = 64, temperature: float | None = None, top_p: float | None = None,
                 top_k: int | None = None, seed: int | None = None) -> None:
        _check_sc_size(sc_size, 'SCInferencer')
        super().__init__(max_out_len, stop_words, chunk_size, temperature, top_p, top_k, seed,
                         num_return_sequences=sc_size)

    def sampling(self, model: BaseModel) -> Sampling:
        if model.sampling.merged({**self.sampling_overrides, 'num_return_sequences': 1}, 'SCInferencer').greedy:
            raise ConfigError(
                f"SCInferencer with model {model.abbr!r}: self-consistency needs sampled answers, but decoding "
                f"is greedy (every sample would be the same). Set temperature (e.g. 0.7) in the inferencer "
                f"config or in the model's generation_kwargs.")
        return super().sampling(model)
