"""SQuAD-style token F1: partial credit for answers that overlap the reference in words."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from evalkit.openicl.evaluators.answers import AnswerNormaliser, accepted_answers
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS


def token_f1(prediction: str, reference: str) -> float:
    """F1 (0-1) of the two answers' word multisets, both already normalised.

    When either side has no words, only an equally empty other side counts (1.0), as in SQuAD:
    otherwise an empty prediction would score 0/0."""
    pred_tokens, ref_tokens = prediction.split(), reference.split()
    if not pred_tokens or not ref_tokens:
        return float(pred_tokens == ref_tokens)
    common = sum((Counter(pred_tokens) & Counter(ref_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(ref_tokens)
    return 2 * precision * recall / (precision + recall)


@EVALUATORS.register_module()
class F1Evaluator(BaseEvaluator):
    """Mean token F1 in percent (``f1``), each row scored against its best-matching accepted answer.

    Text is normalised as SQuAD does (case, punctuation, articles, spaces) before splitting into
    words, so "the Eiffel Tower" against "Eiffel Tower in Paris" gets 2/2 precision, 2/4 recall.
    """

    def __init__(self) -> None:
        self.normalise = AnswerNormaliser(owner='F1Evaluator')

    def _best_f1(self, prediction: Any, reference: Any) -> float:
        answer = self.normalise(prediction)
        return max((token_f1(answer, self.normalise(a)) for a in accepted_answers(reference)), default=0.0)

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        points = [100.0 * self._best_f1(p, r) for p, r in zip(predictions, references)]
        details = [{'pred': p, 'gold': r, 'f1': f1} for p, r, f1 in zip(predictions, references, points)]
        return {'f1': sum(points) / len(points), 'stderr': {'f1': mean_stderr(points)}, 'details': details}
