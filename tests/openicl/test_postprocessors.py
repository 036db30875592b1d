"""Every claim the README and the docstrings make about the answer extractors, one case each.

The README names ``FirstOption``, ``FirstCapital`` and ``LastNumber`` as the generation
postprocessors and says ``LastNumber`` reads thousands separators and canonicalises numbers
("20,000" -> "20000", "10.50" -> "10.5"), returns "" when there is no number, and so counts
"The answer is 20,000" as correct against a GSM8K gold of 20000.
"""
from __future__ import annotations

import pytest

from evalkit.openicl import AccEvaluator, FirstCapital, FirstOption, Gsm8kGold, LastNumber
from evalkit.registry import POSTPROCESSORS, build


@pytest.mark.parametrize('name', ['FirstOption', 'FirstCapital', 'LastNumber', 'Gsm8kGold'])
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
