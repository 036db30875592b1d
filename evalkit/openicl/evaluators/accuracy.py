"""Accuracy and exact match: the share of rows whose processed prediction equals the reference."""
from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS


def share_correct(metric: str, predictions: Sequence[Any], references: Sequence[Any],
                  correct: Sequence[bool]) -> dict[str, Any]:
    """``metric`` as the percentage of correct rows, with its standard error and per-row details."""
    points = [100.0 * c for c in correct]
    return {metric: sum(points) / len(points), 'stderr': {metric: mean_stderr(points)},
            'details': [{'pred': p, 'gold': r, 'correct': c} for p, r, c in zip(predictions, references, correct)]}


@EVALUATORS.register_module()
class AccEvaluator(BaseEvaluator):
    """Exact equality after stripping surrounding whitespace."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        correct = [str(p).strip() == str(r).strip() for p, r in zip(predictions, references)]
        return share_correct('accuracy', predictions, references, correct)


def _normalise(text: str) -> str:
    text = ''.join(ch for ch in str(text).lower() if ch not in string.punctuation)
    text = re.sub(r'\b(a|an|the)\b', ' ', text)
    return ' '.join(text.split())


@EVALUATORS.register_module()
class EMEvaluator(BaseEvaluator):
    """Exact match after SQuAD-style normalisation (case, punctuation, articles, spaces)."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        correct = [_normalise(p) == _normalise(r) for p, r in zip(predictions, references)]
        return share_correct('score', predictions, references, correct)
