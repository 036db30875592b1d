"""Math answers compared as mathematics, not as strings: "\\frac{1}{2}", "0.5" and "1/2" are one answer."""
from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.openicl.evaluators.accuracy import share_correct
from evalkit.openicl.evaluators.answers import accepted_answers
from evalkit.openicl.evaluators.base import SelfCheckingEvaluator, check_pairs
from evalkit.registry import EVALUATORS

_LATEX_COMMAND = re.compile(r'\\[A-Za-z]+')
_WORD = re.compile(r'[A-Za-z]{2,}')


def _timeout(seconds: int) -> int | None:
    """math-verify bounds its work with signal.alarm, which only the main thread may set: in any
    other thread it would refuse to run, so there the bound is dropped (evaluation tasks run in
    their process's main thread; only an embedding application's worker thread loses it)."""
    return seconds if threading.current_thread() is threading.main_thread() else None


@EVALUATORS.register_module()
class MathEquivalenceEvaluator(SelfCheckingEvaluator):
    """``accuracy``: the share of rows whose answer math-verify finds equal to a gold answer.

    Both sides are parsed by math-verify (LaTeX, plain expressions, "The answer is 18", the last
    ``\\boxed{}``); a bare expression ("x+1") is read as inline LaTeX.  Put ``MathAnswer`` before
    it to cut a long worked solution down to its final answer.
    Numbers are compared after rounding to ``float_rounding`` decimals.
    """

    def __init__(self, float_rounding: int = 6, timeout_seconds: int = 5) -> None:
        if float_rounding < 0:
            raise ConfigError(f'MathEquivalenceEvaluator.float_rounding: expected decimals >= 0, got '
                              f'{float_rounding}. Use e.g. 6 (math-verify default).')
        if timeout_seconds < 1:
            raise ConfigError(f'MathEquivalenceEvaluator.timeout_seconds: expected >= 1 second, got '
                              f'{timeout_seconds}. It bounds parsing and comparing one answer (e.g. 5).')
        self.float_rounding = float_rounding
        self.timeout_seconds = timeout_seconds

    def _parse(self, text: str) -> list[Any]:
        """math-verify's reading of ``text``.  A bare expression (no words outside LaTeX commands, no
        ``$``) is read as inline LaTeX first: read as plain text, "1+x" would give its first number."""
        from math_verify import parse

        timeout = _timeout(self.timeout_seconds)
        bare = '$' not in text and not _WORD.search(_LATEX_COMMAND.sub('', text))
        readings = (f'${text}$', text) if bare else (text, f'${text}$')
        return next((parsed for reading in readings if (parsed := parse(reading, parsing_timeout=timeout))), [])

    def _equal(self, prediction: Any, reference: Any) -> bool:
        from math_verify import verify

        parsed = self._parse(str(prediction))
        if not parsed:
            return False
        return any(verify(gold, parsed, float_rounding=self.float_rounding,
                          timeout_seconds=_timeout(self.timeout_seconds))
                   for answer in accepted_answers(reference) if (gold := self._parse(answer)))

    def score(self, predictions: Sequence[Any], references: Sequence[Any]) -> dict[str, Any]:
        check_pairs(predictions, references)
        correct = [self._equal(p, r) for p, r in zip(predictions, references)]
        return share_correct('accuracy', predictions, references, correct)
