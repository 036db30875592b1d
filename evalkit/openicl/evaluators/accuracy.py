"""Accuracy and exact match: the share of rows whose processed prediction equals the reference."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.openicl.evaluators.answers import AnswerNormaliser, accepted_answers
from evalkit.openicl.evaluators.base import BaseEvaluator, SelfCheckingEvaluator, check_pairs
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


@EVALUATORS.register_module()
class EMEvaluator(SelfCheckingEvaluator):
    """Exact match after normalisation (by default SQuAD's: case, punctuation, articles, spaces).

    A reference may be a list of accepted answers (NQ-Open, TriviaQA aliases): the row is right
    when the prediction matches any of them.  The metric is ``score``, as OpenCompass names it.
    """

    def __init__(self, ignore_case: bool = True, ignore_punctuation: bool = True, ignore_articles: bool = True,
                 strip_whitespace: bool = True, regexes_to_ignore: list[str] | None = None) -> None:
        self.normalise = AnswerNormaliser(ignore_case, ignore_punctuation, ignore_articles, strip_whitespace,
                                          regexes_to_ignore or (), owner='EMEvaluator')

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        correct = [self.normalise(p) in {self.normalise(a) for a in accepted_answers(r)}
                   for p, r in zip(predictions, references)]
        return share_correct('score', predictions, references, correct)
