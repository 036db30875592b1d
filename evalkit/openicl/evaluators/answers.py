"""What text-answer evaluators share: the accepted answers of a row, and how text is normalised
before two answers are compared."""
from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

from evalkit.config.errors import ConfigError

_ARTICLES = re.compile(r'\b(?:a|an|the)\b', re.IGNORECASE)
_PUNCTUATION = str.maketrans('', '', string.punctuation)


def accepted_answers(reference: Any) -> list[str]:
    """Every answer a row accepts: open-domain QA sets (NQ-Open, TriviaQA) store a list of aliases,
    and a prediction is right when it matches any one of them."""
    if isinstance(reference, (list, tuple)):
        return [str(r) for r in reference]
    return [str(reference)]


class AnswerNormaliser:
    """Turns an answer into the form two answers are compared in.

    The defaults are SQuAD's normalisation (lower case, no punctuation, no articles, single
    spaces), so "The Eiffel Tower!" and "eiffel tower" are the same answer; each step can be turned
    off, and ``regexes_to_ignore`` are removed first (e.g. a unit or a leading "Answer:").
    """

    def __init__(self, ignore_case: bool = True, ignore_punctuation: bool = True, ignore_articles: bool = True,
                 strip_whitespace: bool = True, regexes_to_ignore: Sequence[str] = (), owner: str = 'EMEvaluator') -> None:
        self.ignore_case = ignore_case
        self.ignore_punctuation = ignore_punctuation
        self.ignore_articles = ignore_articles
        self.strip_whitespace = strip_whitespace
        self.regexes_to_ignore = [_compiled(pattern, owner) for pattern in regexes_to_ignore]

    def __call__(self, text: Any) -> str:
        text = str(text)
        for pattern in self.regexes_to_ignore:
            text = pattern.sub('', text)
        if self.ignore_case:
            text = text.lower()
        if self.ignore_punctuation:
            text = text.translate(_PUNCTUATION)
        if self.ignore_articles:
            text = _ARTICLES.sub(' ', text)
        if self.strip_whitespace:
            text = ' '.join(text.split())
        return text


def _compiled(pattern: str, owner: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise ConfigError(f'{owner}.regexes_to_ignore: expected a list of regular expressions (strings), got '
                          f'{pattern!r}. Write each as a string, e.g. regexes_to_ignore=[r"^Answer:\\s*"].')
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f'{owner}.regexes_to_ignore: {pattern!r} is not a valid regular expression ({exc}). '
                          f'Fix the pattern (Python `re` syntax) or remove it from the list.') from None
