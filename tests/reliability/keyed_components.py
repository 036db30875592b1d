"""Components that take credentials, as API models and judge evaluators do, for the secrets tests.

Configs name them by dotted path; they keep only a digest of what they were given, so a
test can check that an ``ENV:`` reference reached the component as the variable's value
without the value itself being written anywhere.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.openicl.evaluators import AccEvaluator
from tests.fake_model import text_digest


class KeyedEvaluator(AccEvaluator):
    """Accuracy, plus the digests of the key and headers it was built with (as a judge would use them)."""

    def __init__(self, api_key: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.digests = {'api_key_digest': text_digest(api_key or ''),
                        **{f'header_digest_{k}': text_digest(v) for k, v in (headers or {}).items()}}

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        return {**super().score(predictions, references), **self.digests}
