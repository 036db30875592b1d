"""ROUGE-1/2/L F-measures with Google's rouge-score package, the reference implementation."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.openicl.evaluators.answers import accepted_answers
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS

ROUGE_TYPES = ('rouge1', 'rouge2', 'rougeL')


@EVALUATORS.register_module()
class RougeEvaluator(BaseEvaluator):
    """Mean ``rouge1``, ``rouge2`` and ``rougeL`` F-measure in percent, each with the analytic
    standard error of a mean; a row with several references counts its best one per type.

    rouge-score's tokenizer keeps only ASCII letters and digits, so Chinese text scores 0: use
    BleuEvaluator(tokenize='zh') for it.  ``use_stemmer`` matches "running" with "run".
    """

    def __init__(self, use_stemmer: bool = False) -> None:
        self.use_stemmer = use_stemmer

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        from rouge_score.rouge_scorer import RougeScorer

        check_pairs(predictions, references)
        scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=self.use_stemmer)
        rows = []
        for prediction, reference in zip(predictions, references):
            scores = [scorer.score(answer, str(prediction)) for answer in accepted_answers(reference)]
            rows.append({kind: max((100.0 * s[kind].fmeasure for s in scores), default=0.0) for kind in ROUGE_TYPES})
        result: dict[str, Any] = {kind: sum(r[kind] for r in rows) / len(rows) for kind in ROUGE_TYPES}
        result['stderr'] = {kind: mean_stderr([r[kind] for r in rows]) for kind in ROUGE_TYPES}
        result['details'] = [{'pred': p, 'gold': g, **r} for p, g, r in zip(predictions, references, rows)]
        return result
