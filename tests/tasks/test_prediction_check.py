"""What makes a complete-looking predictions file unfit to score."""
from __future__ import annotations

from evalkit.tasks.prediction_check import problems


def _records(*indices: int) -> list[dict]:
    return [{'index': i, 'prediction': 'A', 'gold': 'A'} for i in indices]


def test_a_whole_file_has_no_problems() -> None:
    assert problems(_records(0, 1, 2), {'total': 3}, expected_rows=3) == []


def test_missing_duplicate_and_foreign_rows_are_each_named() -> None:
    assert problems(_records(0, 2), {'total': 3}, 3) == ['it has 2 records for a dataset of 3 rows',
                                                         'row(s) 1 are missing']
    assert problems(_records(0, 1, 1, 2), {'total': 3}, 3) == ['it has 4 records for a dataset of 3 rows',
                                                               'row(s) 1 appear more than once']
    assert problems(_records(0, 1, 7), {'total': 3}, 3) == ['row(s) 2 are missing', 'row(s) 7 are outside the dataset']


def test_a_file_made_for_another_row_count_is_refused() -> None:
    """Predictions of the first 3 rows do not score a run whose --limit now asks for 5."""
    assert problems(_records(0, 1, 2), {'total': 3}, 5) == ['it has 3 records for a dataset of 5 rows',
                                                            'its metadata records 3 rows, the dataset has 5',
                                                            'row(s) 3, 4 are missing']


def test_long_lists_are_shortened() -> None:
    found = problems([], {'total': 20}, 20)
    assert found[-1] == 'row(s) 0, 1, 2, 3, 4, 5, 6, 7, ... (20 in all) are missing'
