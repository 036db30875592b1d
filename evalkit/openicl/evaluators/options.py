"""Multiple-choice accuracy that reads the option letter from free text, including an answer that
names an option by its text rather than its letter."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.openicl.evaluators.accuracy import share_correct
from evalkit.openicl.evaluators.base import SelfCheckingEvaluator, check_pairs
from evalkit.openicl.postprocessors import OptionLetter
from evalkit.registry import EVALUATORS


@EVALUATORS.register_module()
class OptionAccEvaluator(SelfCheckingEvaluator):
    """``accuracy`` of the letter ``OptionLetter`` extracts from each answer, against the gold letter.

    Why an evaluator and not only a postprocessor: "I think it is Paris" names option B only to
    someone who knows the row's options, and postprocessors see the answer text alone.  This
    evaluator reads each test row's option columns (named by the letters, as MMLU and C-Eval
    configs name them: ``A``, ``B``, ...) and passes them to ``OptionLetter.extract``.  Use it
    without a ``pred_postprocessor`` (a letter already extracted stays that letter).
    """

    def __init__(self, options: str = 'ABCD') -> None:
        self.extractor = OptionLetter(options)

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        return self._score(predictions, references, [{}] * len(predictions))

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return self._score(predictions, references, test_rows)

    def _score(self, predictions: Sequence[Any], references: Sequence[Any],
               test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        check_pairs(predictions, references)
        letters = [self.extractor.extract(str(p), {k: row[k] for k in self.extractor.options if k in row})
                   for p, row in zip(predictions, test_rows)]
        result = share_correct('accuracy', letters, references,
                               [letter == str(r).strip() for letter, r in zip(letters, references)])
        for detail, prediction in zip(result['details'], predictions):
            detail['answer'] = prediction
        return result
