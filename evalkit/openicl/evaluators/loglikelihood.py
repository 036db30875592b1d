"""lm-eval's two multiple-choice accuracies from one set of log-likelihood records (``LLInferencer``).

``acc`` compares the option with the highest total log-likelihood with the gold label; ``acc_norm``
the option with the highest log-likelihood per character, which long options need: more tokens
mean a lower total even for the right answer.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS


@EVALUATORS.register_module()
class LLAccEvaluator(BaseEvaluator):
    """``acc`` (the processed ``prediction``) and ``acc_norm`` (the record's ``prediction_norm``), in percent."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        return self._both(predictions, predictions, references)

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        missing = [r.get('index') for r in records if 'prediction_norm' not in r]
        if missing:
            raise ValueError(f'LLAccEvaluator needs LLInferencer records (with prediction_norm); row {missing[0]} '
                             f'has none. Use LLInferencer for this dataset, or AccEvaluator.')
        return self._both(predictions, [r['prediction_norm'] for r in records], references)

    @staticmethod
    def _both(by_sum: Sequence[Any], by_char: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(by_sum, references)
        acc = [100.0 * (str(p).strip() == str(r).strip()) for p, r in zip(by_sum, references)]
        acc_norm = [100.0 * (str(p).strip() == str(r).strip()) for p, r in zip(by_char, references)]
        return {'acc': sum(acc) / len(acc), 'acc_norm': sum(acc_norm) / len(acc_norm),
                'stderr': {'acc': mean_stderr(acc), 'acc_norm': mean_stderr(acc_norm)},
                'details': [{'pred': p, 'pred_norm': q, 'gold': r, 'correct': a > 0, 'correct_norm': b > 0}
                            for p, q, r, a, b in zip(by_sum, by_char, references, acc, acc_norm)]}
