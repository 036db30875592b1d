"""BIG-Bench Hard answer extraction from a chain of thought.

BBH's 3-shot prompts end every worked example with "So the answer is X.", so a model that follows
them states its answer the same way; what comes after the first "answer is" is the answer to the
question asked (anything later belongs to questions the model went on to invent).  Multiple-choice
tasks answer with an option in brackets, "(C)"; free-form tasks with a word, number or sequence.
"""
from __future__ import annotations

import re

from evalkit.config.errors import ConfigError
from evalkit.registry import POSTPROCESSORS

_STATED = 'answer is'


def _after_statement(text: str) -> str:
    """What follows the first "answer is" (any case), or the whole text when there is none."""
    position = text.lower().find(_STATED)
    return text if position < 0 else text[position + len(_STATED):]


@POSTPROCESSORS.register_module()
class BBHOptionAnswer:
    """The option letter of a multiple-choice BBH answer: the first "(X)" after "answer is", else the
    first option letter standing alone there.  Without that statement only a bare option ("(B)",
    "B") counts, which is also how a gold target "(B)" becomes "B": letters met in unfinished
    reasoning ("(A) is too early, I think...") are not an answer."""

    def __init__(self, options: str = 'ABCDEFGHIJKLMNOPQR') -> None:
        if not options or not options.isascii() or not options.isupper() or not options.isalpha():
            raise ConfigError(f"BBHOptionAnswer.options: expected capital option letters such as 'ABCDEF', "
                              f"got {options!r}.")
        letters = re.escape(options)
        self.bracketed = re.compile(rf'\(([{letters}])\)')
        self.bare = re.compile(rf'(?<![A-Za-z])([{letters}])(?![A-Za-z])')
        self.only_option = re.compile(rf'\s*\(?([{letters}])\)?\.?\s*')

    def __call__(self, text: str) -> str:
        if _STATED not in text.lower():
            match = self.only_option.fullmatch(text)
            return match.group(1) if match else ''
        answer = _after_statement(text)
        match = self.bracketed.search(answer) or self.bare.search(answer)
        return match.group(1) if match else ''


@POSTPROCESSORS.register_module()
class BBHFreeformAnswer:
    """The free-form answer after "answer is": the rest of that line, without the closing full stop
    and without markdown bold around it ("**True**" -> "True")."""

    def __call__(self, text: str) -> str:
        answer = _after_statement(text).strip().lstrip(':').split('\n')[0].strip()
        bold = re.search(r'\*\*(.+?)\*\*', answer)
        if bold:
            answer = bold.group(1).strip()
        return answer[:-1].rstrip() if answer.endswith('.') else answer
