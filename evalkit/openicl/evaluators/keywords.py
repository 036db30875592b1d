"""Keyword match: a free-form answer is right when it contains every keyword of the reference.

For retrieval tasks (needle in a haystack) the model answers in its own words, so exact match is
too strict and token F1 rewards padding; what matters is whether the retrieved fact is there.
Answer and keywords are normalised alike (case, punctuation, articles, spaces) and a keyword must
appear as whole words, so "tin" is not found in "tinned".
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.openicl.evaluators.answers import AnswerNormaliser, accepted_answers
from evalkit.openicl.evaluators.base import SelfCheckingEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS


@EVALUATORS.register_module()
class KeywordEvaluator(SelfCheckingEvaluator):
    """``score``: percent of rows whose prediction holds all their keywords; ``keyword_recall``: percent of
    keywords found, averaged over rows (partial credit, e.g. two of three needles retrieved).

    ``keep_columns`` copies those test-row columns into each row's details (e.g. the needle grid's
    ``length`` and ``depth``), so a summary can break the score down by them.
    """

    def __init__(self, ignore_case: bool = True, ignore_punctuation: bool = True,
                 keep_columns: list[str] | None = None) -> None:
        self.normalise = AnswerNormaliser(ignore_case, ignore_punctuation, ignore_articles=True,
                                          strip_whitespace=True, owner='KeywordEvaluator')
        if keep_columns is not None and not (isinstance(keep_columns, list) and all(
                isinstance(c, str) and c for c in keep_columns)):
            raise ConfigError(f'KeywordEvaluator.keep_columns: expected a list of test-row column names, got '
                              f"{keep_columns!r}; e.g. keep_columns=['length', 'depth'].")
        self.keep_columns = list(keep_columns or [])

    def found(self, prediction: Any, keywords: Sequence[str]) -> list[bool]:
        """Per keyword: whether it occurs in the prediction as whole words, after normalisation."""
        text = f' {self.normalise(prediction)} '
        return [bool(re.search(rf'(?<!\w){re.escape(self.normalise(k))}(?!\w)', text)) for k in keywords]

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        return self._score(predictions, references, [{} for _ in predictions])

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        missing = sorted({k for row in test_rows for k in self.keep_columns if k not in row})
        if missing:
            raise ConfigError(f'KeywordEvaluator.keep_columns: the test rows have no column(s) {missing}. '
                              f'Remove them from keep_columns, or name columns the dataset has.')
        return self._score(predictions, references, [{k: row[k] for k in self.keep_columns} for row in test_rows])

    def _score(self, predictions: Sequence[Any], references: Sequence[Any],
               kept: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        check_pairs(predictions, references)
        details, correct, recall = [], [], []
        for prediction, reference, columns in zip(predictions, references, kept):
            keywords = accepted_answers(reference)
            hits = self.found(prediction, keywords)
            correct.append(100.0 * all(hits))
            recall.append(100.0 * sum(hits) / len(hits))
            details.append({'pred': prediction, 'gold': keywords, 'correct': all(hits),
                            'found': [k for k, hit in zip(keywords, hits) if hit], **columns})
        return {'score': sum(correct) / len(correct), 'keyword_recall': sum(recall) / len(recall),
                'stderr': {'score': mean_stderr(correct), 'keyword_recall': mean_stderr(recall)},
                'details': details}
