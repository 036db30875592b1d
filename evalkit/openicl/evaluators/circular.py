"""CircularEval metrics: how often a question is answered right whatever the order of its options.

Reads the copies that a dataset's ``circular=`` key makes (``datasets/circular.py``): each test
row names its question (``circular_id``), the order its options are shown in
(``circular_pattern``) and whether it is the unrotated copy (``circular_origin``).

- ``acc_origin``: accuracy on the unrotated copies (what a plain run would report);
- ``acc_circular``: accuracy over every copy;
- ``perf_circular``: share of questions answered right in every copy;
- ``more_{j}_circular``: share answered right in at least j copies (j below the number of copies;
  j equal to it is ``perf_circular``).

Standard errors are taken over questions, not copies: the copies of one question are not
independent draws, so treating them as such would understate the error.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.datasets.circular import ID_COLUMN, ORIGIN_COLUMN, PATTERN_COLUMN
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.registry import EVALUATORS


def _percent_with_stderr(values: Sequence[float]) -> tuple[float, float]:
    return sum(values) / len(values), mean_stderr(values)


@EVALUATORS.register_module()
class CircularEvaluator(BaseEvaluator):
    """Accuracy (exact equality after stripping whitespace) per copy, then grouped by question."""

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        raise ValueError('CircularEvaluator groups the copies of each question, so it needs the dataset rows '
                         '(score_rows), not predictions alone.')

    def score_rows(self, predictions: Sequence[Any], references: Sequence[Any],
                   records: Sequence[Mapping[str, Any]], test_rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        check_pairs(predictions, references)
        if any(ID_COLUMN not in row or ORIGIN_COLUMN not in row for row in test_rows):
            raise ValueError("CircularEvaluator needs a circular dataset: its test rows carry no 'circular_id' / "
                             "'circular_origin'. Add circular=dict(option_keys=[...]) to the dataset config.")
        correct = [str(p).strip() == str(r).strip() for p, r in zip(predictions, references)]
        by_question: dict[Any, list[bool]] = {}
        for row, right in zip(test_rows, correct):
            by_question.setdefault(row[ID_COLUMN], []).append(right)
        copies = {len(answers) for answers in by_question.values()}
        if len(copies) != 1:
            raise ValueError(f'The questions have different numbers of scored copies ({sorted(copies)}): some '
                             f'copies are missing from the predictions. Re-run inference for this dataset.')
        n_copies = copies.pop()
        right_counts = [sum(answers) for answers in by_question.values()]
        metrics: dict[str, float] = {}
        stderr: dict[str, float] = {}

        def put(name: str, values: Sequence[float]) -> None:
            metrics[name], stderr[name] = _percent_with_stderr(values)

        put('acc_origin', [100.0 * right for row, right in zip(test_rows, correct) if row[ORIGIN_COLUMN]])
        put('acc_circular', [100.0 * count / n_copies for count in right_counts])
        put('perf_circular', [100.0 * (count == n_copies) for count in right_counts])
        for at_least in range(1, n_copies):
            put(f'more_{at_least}_circular', [100.0 * (count >= at_least) for count in right_counts])
        details = [{'pred': p, 'gold': r, 'correct': c, 'question': row[ID_COLUMN], 'pattern': row[PATTERN_COLUMN]}
                   for p, r, c, row in zip(predictions, references, correct, test_rows)]
        return {**metrics, 'stderr': stderr, 'details': details}
