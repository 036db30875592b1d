"""Every claim the README and the docstrings make about the answer extractors, one case each.

The README names ``FirstOption``, ``FirstCapital`` and ``LastNumber`` as the generation
postprocessors and says ``LastNumber`` reads thousands separators and canonicalises numbers
("20,000" -> "20000", "10.50" -> "10.5"), returns "" when there is no number, and so counts
"The answer is 20,000" as correct against a GSM8K gold of 20000.
"""
from __future__ import annotations

import pytest

from evalkit.config.errors import ConfigError
from evalkit.config.validation import check_component
from evalkit.openicl import AccEvaluator, FirstCapital, FirstOption, Gsm8kGold, LastNumber
from evalkit.openicl.postprocessors.answers import MathAnswer, OptionLetter, last_boxed
from evalkit.registry import POSTPROCESSORS, build


@pytest.mark.parametrize('name', ['FirstOption', 'FirstCapital', 'LastNumber', 'Gsm8kGold', 'OptionLetter',
                                  'MathAnswer'])
def test_configs_can_name_every_postprocessor(name: str) -> None:
    assert callable(build({'type': name}, POSTPROCESSORS, 'eval_cfg.pred_postprocessor'))


# -- LastNumber ---------------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'expected'), [
    # README: thousands separators are read ...
    ('The answer is 20,000', '20000'),
    ('She earns 1,234,567 dollars a year.', '1234567'),
    # ... and numbers canonicalised
    ('So it costs 10.50', '10.5'),
    # docstring: "1,000.0" -> "1000"
    ('Total: 1,000.0', '1000'),
    # docstring: the *last* number of the text
    ('She had 3 apples, bought 5 more, so 8 in all.', '8'),
    # a sentence's full stop is not a decimal point
    ('The answer is 42.', '42'),
    ('The temperature fell to -7 degrees.', '-7'),
    # commas that are not thousands separators separate numbers
    ('The sides are 1,2,3', '3'),
    # README: when there is no number, nothing is found
    ('I do not know how to solve this.', ''),
    ('', ''),
])
def test_last_number(text: str, expected: str) -> None:
    assert LastNumber()(text) == expected


def test_last_number_keeps_every_digit_of_large_integers() -> None:
    # 2**53 + 1 is not a float: two different answers must not compare equal after rounding.
    assert LastNumber()('It is 9007199254740993') == '9007199254740993'
    assert LastNumber()('It is 9007199254740992') == '9007199254740992'


def test_last_number_reads_only_the_text_before_stop_at() -> None:
    reply = 'She pays 12 dollars.\nQuestion: Tom has 7 cats and 8 dogs. How many pets?\nAnswer: 15'
    assert LastNumber(stop_at='Question:')(reply) == '12'
    assert LastNumber()(reply) == '15'
    assert LastNumber(stop_at='Question:')('No next question here: 9') == '9'


def test_last_number_against_gsm8k_gold_counts_a_separated_answer_as_correct() -> None:
    """README: evalkit counts "The answer is 20,000" as correct (OpenCompass's extractor reads "000")."""
    predictions = [LastNumber()('The answer is 20,000'), LastNumber()('So 10.50 dollars.'),
                   LastNumber()('no idea')]
    golds = [Gsm8kGold()('He makes 20*1000=<<20*1000=20000>>20000\n#### 20,000'),
             Gsm8kGold()('#### 10.5'), Gsm8kGold()('#### 3')]
    assert golds == ['20000', '10.5', '3']
    assert [d['correct'] for d in AccEvaluator().score(predictions, golds)['details']] == [True, True, False]


# -- FirstOption --------------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'expected'), [
    # docstring examples: "答案是 B", "(C)", "Answer: D", or a bare letter
    ('答案是 B', 'B'),
    ('我认为是 (C)', 'C'),
    ('Answer: D', 'D'),
    ('A', 'A'),
    ('B. 网络层', 'B'),
    # "the first option letter the text *commits* to": a stated answer beats letters mentioned earlier
    ('Options A and B are both wrong, so the answer is C', 'C'),
    ('Since A is false, the answer is: B', 'B'),
    ('选项A不对，答案是：B', 'B'),
    ('答案：C选项', 'C'),
    ('答案为（D）', 'D'),
    # a letter that starts a word is no commitment
    ('Answer: Apple pie. I pick (B)', 'B'),
    # nothing to commit to
    ('I am not sure.', ''),
    ('', ''),
])
def test_first_option(text: str, expected: str) -> None:
    assert FirstOption()(text) == expected


def test_first_option_reads_only_the_configured_letters() -> None:
    assert FirstOption(options='ABCDE')('The answer is E') == 'E'
    assert FirstOption(options='ABCD')('The answer is E') == ''
    assert FirstOption(options='AB')('Answer: C, or maybe B') == 'B'


# -- FirstCapital -------------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'expected'), [
    ('the answer is b, not C', 'C'),
    ('B', 'B'),
    ('答案是D', 'D'),
    ('all lower case', ''),
    ('', ''),
    # docstring: ASCII only (a full-width letter is not an option letter)
    ('答案是Ｄ', ''),
])
def test_first_capital(text: str, expected: str) -> None:
    assert FirstCapital()(text) == expected


# -- Gsm8kGold ----------------------------------------------------------------------------------

def test_gsm8k_gold_is_the_canonical_number_after_the_marks() -> None:
    assert Gsm8kGold()('Step one.\nStep two.\n#### 1,000') == '1000'
    assert Gsm8kGold()('#### -3') == '-3'
    assert Gsm8kGold()('#### 0.50') == '0.5'


# -- OptionLetter -------------------------------------------------------------------------------

CAPITALS = {'A': 'London', 'B': 'Paris', 'C': 'Rome', 'D': 'Paris, Texas'}


@pytest.mark.parametrize(('text', 'expected'), [
    # stated answers, in the forms chat and base models write them
    ('The answer is (B).', 'B'),
    ('Answer: C', 'C'),
    ('**Answer:** D', 'D'),
    ('The correct answer is option A because London is in England.', 'A'),
    ('Options A and B are wrong, so the answer is C', 'C'),
    ('答案是 B', 'B'),
    # lower case where it cannot be an English word
    ('the answer is b.', 'B'),
    ('I would go with (c)', 'C'),
    ('d) Paris, Texas', 'D'),
    ('The answer is a good question to ask.', ''),
    # brackets and line openers
    ('Looking at the options, (B) fits best.', 'B'),
    ('B. Paris\n\nParis has been the capital of France since 508.', 'B'),
    ('C)', 'C'),
    ('Let me think.\nA\nBecause London is the capital.', 'A'),
    # the first committed answer wins over a made-up next question
    ('Answer: B\n\nQuestion: What is the capital of Italy?\nAnswer: C', 'B'),
    # the text of an option, when the row's options are known; a longer option containing it wins
    ('I believe it is Paris.', 'B'),
    ('The city is Paris, Texas.', 'D'),
    ('It is either London or Rome.', ''),
    # a capital letter standing alone, but not the article "A" or the pronoun "I"
    ('I pick C', 'C'),
    ('A city in Europe, I think.', ''),
    ('I am not sure.', ''),
    ('', ''),
])
def test_option_letter(text: str, expected: str) -> None:
    assert OptionLetter().extract(text, CAPITALS) == expected


def test_option_letter_as_a_postprocessor_reads_letters_only() -> None:
    assert OptionLetter()('I believe it is Paris.') == ''
    assert OptionLetter()('The answer is (B).') == 'B'
    assert OptionLetter(options='ABCDE')('Answer: E') == 'E'
    assert OptionLetter()('Answer: E') == ''


@pytest.mark.parametrize('options', ['abcd', 'AAB', '', 'A1'])
def test_option_letters_must_be_distinct_capitals_checked_before_any_work(options: str) -> None:
    with pytest.raises(ConfigError, match=r'^cfg\.py: pp\.options: expected the option letters'):
        check_component({'type': 'OptionLetter', 'options': options}, POSTPROCESSORS, 'cfg.py: pp')


# -- MathAnswer ---------------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'expected'), [
    (r'So the ratio is $\boxed{\frac{a}{b}}$.', r'\frac{a}{b}'),
    (r'First \boxed{1}, then corrected: \boxed{\sqrt{\frac{1}{2}}}', r'\sqrt{\frac{1}{2}}'),
    (r'Thus \boxed 5.', '5'),
    (r'\fbox{x+1}', 'x+1'),
    (r'The answer is $\frac{1}{2}$.', r'\frac{1}{2}'),
    ('We add them. The answer is 42.\nQuestion: next one has 7', '42'),
    ('She had 3 apples and bought 5 more, so 8 in all', '8'),
    ('I cannot solve this.', ''),
])
def test_math_answer(text: str, expected: str) -> None:
    assert MathAnswer()(text) == expected


def test_a_boxed_answer_cut_off_before_its_brace_closes_is_not_an_answer() -> None:
    assert last_boxed(r'so \boxed{\frac{1}{2') is None
    assert MathAnswer()(r'The total is 7, so \boxed{\frac{1}{2') == '2'  # falls back to the last number
