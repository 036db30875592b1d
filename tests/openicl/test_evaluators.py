"""Evaluators: the metric, one verdict per row, and refusals where a number would mean nothing."""
from __future__ import annotations

import pytest

from evalkit.openicl import AccEvaluator, EMEvaluator
from evalkit.registry import EVALUATORS, build


def test_accuracy_is_the_percentage_of_exact_matches_after_stripping() -> None:
    result = AccEvaluator().score([' B\n', 'b', 'C', 5], ['B', 'B', 'D', '5'])
    assert result['accuracy'] == 50.0  # ' B\n' == 'B' and 5 == '5'; case matters
    assert result['details'] == [
        {'pred': ' B\n', 'gold': 'B', 'correct': True},
        {'pred': 'b', 'gold': 'B', 'correct': False},
        {'pred': 'C', 'gold': 'D', 'correct': False},
        {'pred': 5, 'gold': '5', 'correct': True},
    ]
    assert set(result) == {'accuracy', 'details', 'stderr'}
    # the analytic standard error of a mean of 0/100 points: sqrt(p(1-p)/(n-1)) in percent
    assert result['stderr'] == {'accuracy': pytest.approx(100 * (0.25 / 3) ** 0.5)}


def test_accuracy_of_one_in_three_is_not_rounded() -> None:
    assert AccEvaluator().score(['A', 'B', 'C'], ['A', 'A', 'A'])['accuracy'] == pytest.approx(100 / 3)


def test_exact_match_ignores_case_punctuation_articles_and_spacing() -> None:
    result = EMEvaluator().score(['The  Eiffel Tower!', 'an apple', 'Paris', 'theatre'],
                                 ['eiffel tower', 'Apple.', 'London', 'atre'])
    assert [d['correct'] for d in result['details']] == [True, True, False, False]  # 'the' only as a word
    assert result['score'] == 50.0
    assert result['details'][0] == {'pred': 'The  Eiffel Tower!', 'gold': 'eiffel tower', 'correct': True}


@pytest.mark.parametrize('name', ['AccEvaluator', 'EMEvaluator'])
def test_a_length_mismatch_is_an_error_not_a_score_of_the_shorter_list(name: str) -> None:
    evaluator = build({'type': name}, EVALUATORS, 'eval_cfg.evaluator')
    with pytest.raises(ValueError, match=r'^3 predictions but 2 references: every row needs both'):
        evaluator.score(['A', 'B', 'C'], ['A', 'B'])


@pytest.mark.parametrize('name', ['AccEvaluator', 'EMEvaluator'])
def test_nothing_to_score_is_an_error_not_zero_percent(name: str) -> None:
    evaluator = build({'type': name}, EVALUATORS, 'eval_cfg.evaluator')
    with pytest.raises(ValueError, match=r'^There is nothing to score: 0 predictions'):
        evaluator.score([], [])
