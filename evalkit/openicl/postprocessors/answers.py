"""Answer extraction shared by many benchmarks: option letters, numbers, math answers."""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.registry import POSTPROCESSORS

# Commas count only as thousands separators ("20,000"), so a list like "1,2,3" is three numbers.
_NUMBER = re.compile(r'-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?')


@POSTPROCESSORS.register_module()
class FirstOption:
    """The first option letter the text commits to ("答案是 B", "(C)", "Answer: D", or a bare letter)."""

    def __init__(self, options: str = 'ABCD') -> None:
        letters = re.escape(options)
        self.patterns = [
            # "answer is: B" and "答案是：B选项" commit too: a verb and a colon may both appear, and the
            # letter may run into Chinese text, but not into a word ("Answer: Apple" commits to nothing).
            re.compile(rf'(?:answer|Answer|ANSWER|答案)\s*(?:is|是|为)?\s*[:：]?\s*[\(（]?([{letters}])(?![A-Za-z])'),
            re.compile(rf'[\(（]([{letters}])[\)）]'),
            re.compile(rf'(?:^|\s)([{letters}])(?:[\.\)。:：,，\s]|$)'),
            re.compile(rf'([{letters}])'),
        ]

    def __call__(self, text: str) -> str:
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match.group(1)
        return ''


@POSTPROCESSORS.register_module()
class FirstCapital:
    """The first capital letter A-Z in the text (ASCII only: option letters are ASCII)."""

    def __call__(self, text: str) -> str:
        match = re.search(r'[A-Z]', text)
        return match.group(0) if match else ''


def _canonical_number(text: str) -> str:
    """The number's shortest plain form ("1,000.50" -> "1000.5"); other text is returned as it is.

    Decimal, not float: large integers keep every digit, so two different answers never compare
    equal after rounding."""
    text = text.replace(',', '').rstrip('.')
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return '0' if value == 0 else format(value.normalize(), 'f')


@POSTPROCESSORS.register_module()
class LastNumber:
    """The last number in the text, canonicalised ("1,000.0" -> "1000"); for math word problems.

    Only the text before ``stop_at`` (e.g. the start of a made-up next question) is read.
    """

    def __init__(self, stop_at: str | None = None) -> None:
        self.stop_at = stop_at

    def __call__(self, text: str) -> str:
        if self.stop_at and self.stop_at in text:
            text = text[:text.index(self.stop_at)]
        numbers = _NUMBER.findall(text)
        return _canonical_number(numbers[-1]) if numbers else ''


@POSTPROCESSORS.register_module()
class Gsm8kGold:
    """The final answer of a GSM8K worked solution: the number after '####'."""

    def __call__(self, text: str) -> str:
        return _canonical_number(text.split('####')[-1].strip())


def _check_option_letters(options: str, where: str) -> None:
    if (not isinstance(options, str) or not options or not options.isascii() or not options.isalpha()
            or not options.isupper() or len(set(options)) != len(options)):
        raise ConfigError(f"{where}.options: expected the option letters as one string of distinct capital "
                          f"letters, e.g. 'ABCD' (or 'ABCDE' for five options), got {options!r}.")


def _phrase(text: str) -> str:
    return ' '.join(text.lower().split())


@POSTPROCESSORS.register_module()
class OptionLetter:
    """The option letter (upper case) a multiple-choice answer commits to; '' when it commits to none.

    Read in order of how clearly the text commits, the first match of the clearest kind winning
    (a small model that goes on to invent a next question answers that one later):

    1. a stated answer: "The answer is (B)", "Answer: B", "correct answer is **B**", "答案是 B";
    2. a letter in brackets: "(B)", "[B]", "（B）";
    3. a letter opening a line: "B. Paris", "B) Paris", "B: Paris", a line that is only "B";
    4. the text of exactly one option ("Paris"), when the row's options are known: ``extract``
       with ``option_texts`` (``OptionAccEvaluator`` passes them from the test rows; a
       postprocessor sees only the answer text);
    5. a capital letter standing alone ("I pick C"), except "A" or "I" followed by a lower-case
       word, which are English words.

    Lower case counts where it cannot be an English word: in brackets "(b)", opening a line as
    "b." or "b)", and after a stated answer when punctuation or the line end follows ("answer is
    b."), but not in "the answer is a good one".
    """

    def __init__(self, options: str = 'ABCD') -> None:
        _check_option_letters(options, 'OptionLetter')
        self.options = options
        upper, lower = re.escape(options), re.escape(options.lower())
        letter = rf'(?:([{upper}])(?![A-Za-z])|([{lower}])(?=[\)）\]*]|\s*(?:[.,;!?。，]|$)))'
        self.committed = [re.compile(pattern, re.MULTILINE) for pattern in (
            rf'(?:(?i:answer)(?:\s+(?:is|would be|should be|must be))?|答案\s*(?:是|为)?)\s*[:：]?[\s*]*'
            rf'(?:(?i:option)\s*)?[\(（\[]?{letter}',
            rf'[\(（\[](?:([{upper}])|([{lower}]))[\)）\]]',
            rf'^[\s*#>-]*(?:([{upper}])\**(?:[.\)：:]|\s*$)|([{lower}])[.\)])',
        )]
        self.standalone = re.compile(rf"(?<![A-Za-z'’])(?![AI]\s+[a-z])([{upper}])(?![A-Za-z'’])")

    def __call__(self, text: str) -> str:
        return self.extract(text)

    def extract(self, text: str, option_texts: Mapping[str, str] | None = None) -> str:
        """The letter ``text`` commits to; ``option_texts`` (letter -> option text) enables step 4."""
        for pattern in self.committed:
            match = pattern.search(text)
            if match:
                return (match.group(1) or match.group(2)).upper()
        by_text = self._option_named(text, option_texts or {})
        if by_text:
            return by_text
        match = self.standalone.search(text)
        return match.group(1) if match else ''

    def _option_named(self, text: str, option_texts: Mapping[str, str]) -> str:
        """The one option whose text the answer contains (as whole words, ignoring case and spacing);
        an option whose text is part of another named option's ("Paris" in "Paris, Texas") yields."""
        answer = _phrase(text)
        named = {letter: phrase for letter in self.options
                 if (phrase := _phrase(str(option_texts.get(letter) or '')))
                 and re.search(rf'(?<!\w){re.escape(phrase)}(?!\w)', answer)}
        kept = [letter for letter, phrase in named.items()
                if not any(phrase != other and phrase in other for other in named.values())]
        return kept[0] if len(kept) == 1 else ''

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """Checked while the config is validated, before inference, not when scoring starts."""
        _check_option_letters(cfg.get('options', 'ABCD'), where)


_BOXED = re.compile(r'\\(?:boxed|fbox)\s*')
_STATED = re.compile(r'answer is\s*[:：]?\s*(.+?)\s*(?:\.\s|\.?$|\n)', re.IGNORECASE | re.MULTILINE)


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (nested braces kept whole), or of ``\\boxed 5``;
    None when there is none or its braces never close (a cut-off answer)."""
    starts = list(_BOXED.finditer(text))
    if not starts:
        return None
    rest = text[starts[-1].end():]
    if not rest.startswith('{'):
        return rest.split()[0].rstrip('$.') if rest.split() else None
    depth = 0
    for position, char in enumerate(rest):
        depth += {'{': 1, '}': -1}.get(char, 0)
        if depth == 0:
            return rest[1:position].strip()
    return None


@POSTPROCESSORS.register_module()
class MathAnswer:
    """The final answer of a worked math solution: the last ``\\boxed{...}`` (MATH's convention),
    else what follows the last "The answer is", else the last number (``LastNumber``); '' if none.

    Used on predictions and, as ``dataset_postprocessor``, on MATH-style gold solutions, before
    ``MathEquivalenceEvaluator``.
    """

    def __call__(self, text: str) -> str:
        boxed = last_boxed(text)
        if boxed is not None:
            return boxed
        stated = _STATED.findall(text)
        if stated:
            return stated[-1].strip().strip('$').strip()
        return LastNumber()(text)
