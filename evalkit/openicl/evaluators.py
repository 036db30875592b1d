"""Evaluators: compare processed predictions with references and return metrics in percent."""
from __future__ import annotations

import re
import string
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from evalkit.registry import EVALUATORS


class BaseEvaluator(ABC):
    @abstractmethod
    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        """Metrics (floats, percent) plus ``details``: one dict per row with its verdict."""


def check_pairs(predictions: Sequence[Any], references: Sequence[Any]) -> None:
    """Refuse what would give a number that means nothing: zip() would silently score only the
    shorter list, and 0 rows would read as 0% accuracy."""
    if len(predictions) != len(references):
        raise ValueError(f'{len(predictions)} predictions but {len(references)} references: every row needs '
                         f'both, so the predictions file and the dataset do not match. Re-run inference.')
    if not predictions:
        raise ValueError('There is nothing to score: 0 predictions. Check that the test split has rows '
                         '(and that --limit / reader_cfg.limit is positive).')


def _accuracy(correct: Sequence[bool]) -> float:
    return 100.0 * sum(correct) / len(correct)


@EVALUATORS.register_module()
class AccEvaluator(BaseEvaluator):
    """Exact equality after stripping surrounding whitespace."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        correct = [str(p).strip() == str(r).strip() for p, r in zip(predictions, references)]
        return {'accuracy': _accuracy(correct),
                'details': [{'pred': p, 'gold': r, 'correct': c} for p, r, c in zip(predictions, references, correct)]}


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
        return {'score': _accuracy(correct),
                'details': [{'pred': p, 'gold': r, 'correct': c} for p, r, c in zip(predictions, references, correct)]}
