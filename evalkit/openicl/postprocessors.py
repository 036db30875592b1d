"""Postprocessors: turn raw model output (or raw gold answers) into comparable answers.

Each is a small callable class so configs can parametrise it and validation can
check its arguments like any other component.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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
