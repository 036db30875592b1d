"""Evaluators: the metric, one verdict per row, and refusals where a number would mean nothing."""
from __future__ import annotations

import json
import math
import random
import statistics

import pytest
import sacrebleu

from evalkit.config.errors import ConfigError
from evalkit.config.validation import check_component
from evalkit.openicl import AccEvaluator, EMEvaluator
from evalkit.openicl.evaluators import (
    BleuEvaluator,
    F1Evaluator,
    MathEquivalenceEvaluator,
    OptionAccEvaluator,
    RougeEvaluator,
)
from evalkit.openicl.evaluators.stderr import BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED
from evalkit.openicl.evaluators.token_f1 import token_f1
from evalkit.openicl.postprocessors import MathAnswer
from evalkit.registry import EVALUATORS, build
from tests.conftest import SHARED_DATASETS

requires_shared_math500 = pytest.mark.skipif(
    not (SHARED_DATASETS / 'math500' / 'test.jsonl').is_file(),
    reason=f'MATH-500 not found at {SHARED_DATASETS}/math500 (the shared benchmark folder is absent)')


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


# -- names configs use ----------------------------------------------------------------------------

NEW_EVALUATORS = ['EMEvaluator', 'F1Evaluator', 'BleuEvaluator', 'RougeEvaluator', 'MathEquivalenceEvaluator',
                  'OptionAccEvaluator']


@pytest.mark.parametrize('name', NEW_EVALUATORS)
def test_every_evaluator_reports_a_stderr_for_each_of_its_metrics(name: str) -> None:
    evaluator = build({'type': name}, EVALUATORS, 'eval_cfg.evaluator')
    result = evaluator.score(['B', 'Paris is big', '0.5'], ['B', 'Paris is large', '1/2'])
    metrics = {k for k, v in result.items() if isinstance(v, float)}
    assert metrics and set(result['stderr']) == metrics
    assert len(result['details']) == 3


# -- EM ---------------------------------------------------------------------------------------------

def test_exact_match_accepts_any_of_a_list_of_answers() -> None:
    """NQ-Open and TriviaQA store aliases: a row is right when the prediction matches any of them."""
    result = EMEvaluator().score(['December 1972', 'Bob Russell', 'Paul Simon', 'the moon'],
                                 [['14 December 1972 UTC', 'December 1972'], ['Bobby Scott', 'Bob Russell'],
                                  ['Bobby Scott', 'Bob Russell'], 'Moon'])
    assert [d['correct'] for d in result['details']] == [True, True, False, True]
    assert result['score'] == 75.0
    assert result['details'][0]['gold'] == ['14 December 1972 UTC', 'December 1972']


def test_exact_match_normalisation_steps_can_be_turned_off_one_by_one() -> None:
    def correct(evaluator: EMEvaluator, prediction: str, reference: str) -> bool:
        return evaluator.score([prediction], [reference])['details'][0]['correct']

    assert correct(EMEvaluator(), 'PARIS', 'paris') and not correct(EMEvaluator(ignore_case=False), 'PARIS', 'paris')
    assert not correct(EMEvaluator(ignore_punctuation=False), 'Paris!', 'Paris')
    assert not correct(EMEvaluator(ignore_articles=False), 'the Beatles', 'Beatles')
    assert correct(EMEvaluator(ignore_case=False), 'The Beatles', 'Beatles')  # articles go whatever their case
    assert not correct(EMEvaluator(strip_whitespace=False), 'New  York', 'New York')
    assert correct(EMEvaluator(regexes_to_ignore=[r'^Answer:\s*', r'\s*dollars?$']), 'Answer: 42 dollars', '42')
    assert not correct(EMEvaluator(), 'Answer: 42 dollars', '42')


def test_a_broken_regex_is_a_config_error_before_any_work() -> None:
    with pytest.raises(ConfigError, match=r"^cfg\.py: eval_cfg\.evaluator: EMEvaluator\.regexes_to_ignore: '\(' "
                                          r'is not a valid regular expression'):
        check_component({'type': 'EMEvaluator', 'regexes_to_ignore': ['(']}, EVALUATORS, 'cfg.py: eval_cfg.evaluator')


def test_exact_match_standard_error_is_that_of_the_mean_of_0_100_points() -> None:
    result = EMEvaluator().score(['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'x', 'x', 'x'])  # 2 of 5 right
    # sample variance of (100, 100, 0, 0, 0): mean 40, squares 3600*2 + 1600*3 = 12000, /4 = 3000
    assert result['stderr'] == {'score': pytest.approx(math.sqrt(3000 / 5))}


# -- F1 ---------------------------------------------------------------------------------------------

def test_token_f1_of_a_partial_overlap_and_its_standard_error() -> None:
    result = F1Evaluator().score(
        ['the Eiffel Tower', 'Bob Russell wrote it', 'no idea', ''],
        ['Eiffel Tower in Paris', ['Bobby Scott', 'Bob Russell'], 'Paris', ''])
    # 1: normalised 'eiffel tower' vs 'eiffel tower in paris': precision 2/2, recall 2/4 -> F1 2/3
    # 2: best alias 'bob russell': precision 2/4, recall 2/2 -> 2/3; 3: nothing shared -> 0
    # 4: both empty -> 1 (SQuAD: only an equally empty answer matches an empty reference)
    points = [200 / 3, 200 / 3, 0.0, 100.0]
    assert [d['f1'] for d in result['details']] == pytest.approx(points)
    mean = sum(points) / 4
    assert result['f1'] == pytest.approx(mean)
    assert result['stderr']['f1'] == pytest.approx(math.sqrt(sum((p - mean) ** 2 for p in points) / 3 / 4))


def test_token_f1_counts_repeated_words_only_as_often_as_the_reference_has_them() -> None:
    assert token_f1('paris paris paris', 'paris') == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


# -- BLEU -------------------------------------------------------------------------------------------

HYPOTHESES = ['The cat sat on the mat.', 'There is a dog in the garden today.']
REFERENCES = ['The cat is sitting on the mat.', 'A dog is in the garden today.']


def test_bleu_is_sacrebleu_corpus_bleu_and_its_stderr_a_seeded_bootstrap_of_it() -> None:
    result = BleuEvaluator().score(HYPOTHESES, REFERENCES)
    assert result['bleu'] == pytest.approx(sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES]).score)
    # By hand with sacrebleu's public API: re-draw the rows as stderr.bootstrap_stderr does
    # (same seed, same order of draws) and score each resample from scratch.
    rng = random.Random(BOOTSTRAP_SEED)
    resampled = []
    for _ in range(BOOTSTRAP_SAMPLES):
        rows = [rng.randrange(2) for _ in range(2)]
        resampled.append(sacrebleu.corpus_bleu([HYPOTHESES[i] for i in rows], [[REFERENCES[i] for i in rows]]).score)
    assert result['stderr']['bleu'] == pytest.approx(statistics.stdev(resampled))
    assert result['stderr']['bleu'] > 0


def test_bleu_takes_several_references_per_row_even_when_rows_have_different_numbers() -> None:
    references = [['The cat is sitting on the mat.', 'A cat sat on the mat.'], 'A dog is in the garden today.']
    expected = sacrebleu.corpus_bleu(HYPOTHESES, [[references[0][0], references[1]], [references[0][1], None]])
    assert BleuEvaluator().score(HYPOTHESES, references)['bleu'] == pytest.approx(expected.score)
    assert expected.score > sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES]).score  # the second reference counted


# -- ROUGE ------------------------------------------------------------------------------------------

def test_rouge_f_measures_of_a_known_pair() -> None:
    result = RougeEvaluator().score(['the cat sat on the mat', 'a b c'], ['the cat lay on the mat', 'x y z'])
    # unigrams shared: the x2, cat, on, mat = 5 of 6 each side -> 5/6; bigrams: 'the cat', 'on the',
    # 'the mat' = 3 of 5 -> 3/5; longest common subsequence 'the cat on the mat' = 5 of 6 -> 5/6
    first = result['details'][0]
    assert (first['rouge1'], first['rouge2'], first['rougeL']) == pytest.approx((500 / 6, 60.0, 500 / 6))
    assert result['rouge2'] == pytest.approx(30.0)
    # two rows 60 and 0: sample sd 60/sqrt(2), over sqrt(2) -> 30
    assert result['stderr']['rouge2'] == pytest.approx(30.0)
    assert result['stderr']['rouge1'] == pytest.approx(500 / 6 / 2)


# -- math -------------------------------------------------------------------------------------------

def test_math_equivalence_compares_values_not_strings() -> None:
    result = MathEquivalenceEvaluator().score(['0.5', 'x+1', '\\frac{3}{4}', '12', 'no answer'],
                                              ['\\frac{1}{2}', '1+x', '0.7', ['\\frac{24}{2}', '13'], '3'])
    assert [d['correct'] for d in result['details']] == [True, True, False, True, False]
    assert result['accuracy'] == 60.0


@requires_shared_math500
def test_math_answer_then_math_equivalence_recover_the_answers_of_real_math_solutions() -> None:
    """The first MATH-500 worked solutions, cut by MathAnswer, equal the dataset's own answer field."""
    with open(SHARED_DATASETS / 'math500' / 'test.jsonl', encoding='utf-8') as fh:
        rows = [json.loads(line) for line, _ in zip(fh, range(12))]
    solutions = [MathAnswer()(row['solution']) for row in rows]
    result = MathEquivalenceEvaluator().score(solutions, [row['answer'] for row in rows])
    assert result['accuracy'] == 100.0, [d for d in result['details'] if not d['correct']]
    assert result['stderr'] == {'accuracy': 0.0}


def test_math_settings_out_of_range_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r'^cfg\.py: ev: MathEquivalenceEvaluator\.float_rounding: expected'):
        check_component({'type': 'MathEquivalenceEvaluator', 'float_rounding': -1}, EVALUATORS, 'cfg.py: ev')


# -- options ----------------------------------------------------------------------------------------

def test_option_accuracy_reads_letters_and_option_texts_from_the_test_rows() -> None:
    rows = [{'input': 'Capital of France?', 'A': 'London', 'B': 'Paris', 'C': 'Rome', 'D': 'Berlin'},
            {'input': '2+2?', 'A': '3', 'B': '4', 'C': '5', 'D': '22'},
            {'input': 'Largest planet?', 'A': 'Mars', 'B': 'Venus', 'C': 'Jupiter', 'D': 'Earth'}]
    predictions = ['I believe it is Paris.', 'The answer is (D).', 'Jupiter, the gas giant']
    evaluator = OptionAccEvaluator()
    result = evaluator.score_rows(predictions, ['B', 'B', 'C'], [{}] * 3, rows)
    assert [(d['pred'], d['correct']) for d in result['details']] == [('B', True), ('D', False), ('C', True)]
    assert result['details'][0]['answer'] == 'I believe it is Paris.'
    # without the rows only letters can be read
    assert [d['pred'] for d in evaluator.score(predictions, ['B', 'B', 'C'])['details']] == ['', 'D', '']
