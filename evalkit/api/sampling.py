"""Sampling settings for generation: typed, range-checked, and merged from model and inferencer.

A model's ``generation_kwargs`` give its default decoding; an inferencer's own keys
(``temperature``, ``top_p``, ...) override them for one dataset.  ``temperature`` 0 means
greedy decoding, which stays the default and is exactly evalkit's greedy engine.

Reproducibility: every sampled answer has its own seed, derived from the run ``seed``, the
dataset row and the sample number (``request_seed``), so an answer does not depend on which
other rows shared its batch, on the batch size or on how the dataset was split into shards.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.config.errors import ConfigError

# The keys an inferencer config may set (None there: keep the model's value).
SAMPLING_KEYS = ('temperature', 'top_p', 'top_k', 'seed', 'num_return_sequences')
# Hugging Face generation keys that only restate what evalkit does anyway.
_RESTATED = {'num_beams': 1}


def check_sampling_values(values: Mapping[str, Any], where: str) -> None:
    """Refuse out-of-range sampling values (each on its own; None means "not set")."""
    checks = {
        'temperature': (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
                        'a number >= 0 (0 decodes greedily; 0.7 is a common sampling temperature)'),
        'top_p': (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1,
                  'a number in (0, 1] (1 keeps every token; 0 would keep none)'),
        'top_k': (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                  'an integer >= 0 (0 keeps every token)'),
        'seed': (lambda v: isinstance(v, int) and not isinstance(v, bool), 'an integer'),
        'num_return_sequences': (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                                 'an integer >= 1'),
    }
    for key, value in values.items():
        ok, expected = checks[key]
        if value is not None and not ok(value):
            raise ConfigError(f'{where}.{key}: expected {expected}, got {value!r}. Fix the value in the config.')


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen.  ``temperature`` 0: greedy (``top_p``/``top_k`` then have no effect)."""

    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int = 0
    num_return_sequences: int = 1

    def __post_init__(self) -> None:
        check_sampling_values(dataclasses.asdict(self), 'sampling')
        if self.greedy and self.num_return_sequences > 1:
            raise ConfigError(f'sampling.num_return_sequences: {self.num_return_sequences} answers per prompt need '
                              f'temperature > 0; greedy decoding would return the same answer each time.')

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def merged(self, overrides: Mapping[str, Any], where: str) -> Sampling:
        """These settings with the non-None ``overrides`` (an inferencer's keys) replacing them."""
        check_sampling_values(overrides, where)
        chosen = {k: v for k, v in overrides.items() if v is not None}
        try:
            return dataclasses.replace(self, **chosen)
        except ConfigError as exc:
            raise ConfigError(f'{where}: {exc}') from None

    def request_seed(self, row: int, sample: int) -> int:
        """The seed of one answer: a hash of (seed, row, sample), so no two answers share a stream."""
        digest = hashlib.sha256(f'{self.seed}/{row}/{sample}'.encode()).digest()
        return int.from_bytes(digest[:8], 'big') >> 1  # torch seeds are non-negative 63-bit integers

    @classmethod
    def from_generation_kwargs(cls, kwargs: Mapping[str, Any] | None, where: str) -> Sampling:
        """A model's ``generation_kwargs`` in Hugging Face's spelling.  ``do_sample=True`` without a
        temperature samples at 1.0 (Hugging Face's default); ``do_sample=False`` is greedy."""
        kwargs = dict(kwargs or {})
        do_sample = kwargs.pop('do_sample', None)
        unsupported = {k: v for k, v in kwargs.items() if k not in SAMPLING_KEYS and _RESTATED.get(k, object()) != v}
        if unsupported or not isinstance(do_sample, (bool, type(None))):
            raise ConfigError(
                f"{where}.generation_kwargs: {unsupported or {'do_sample': do_sample}} not supported. evalkit's "
                f"engine accepts do_sample (True/False), {', '.join(SAMPLING_KEYS)} and num_beams=1; "
                f"max_out_len and stop_words set the length.")
        values = {k: v for k, v in kwargs.items() if k in SAMPLING_KEYS}
        check_sampling_values(values, f'{where}.generation_kwargs')
        if do_sample is False:
            values['temperature'] = 0.0
        elif do_sample and 'temperature' not in values:
            values['temperature'] = 1.0
        try:
            return cls(**values)
        except ConfigError as exc:
            raise ConfigError(f'{where}.generation_kwargs: {exc}') from None


GREEDY = Sampling()
