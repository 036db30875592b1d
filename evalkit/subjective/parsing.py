"""Reading a verdict out of a judge's free text, with patterns from the config.

Parsing happens when judgements are summarised, not when they are made: the raw output is
kept, so a better pattern re-reads old judgements without asking the judge again.  Text no
pattern reads is a parse failure: counted and shown, never dropped or guessed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.config.errors import ConfigError

# MT-Bench's formats: "Rating: [[7]]" (the word is optional, judges often drop it) and "[[A]]" / "[[B]]" / "[[C]]".
DEFAULT_SCORE_PATTERN = r'(?:Rating:\s*)?\[\[(\d+(?:\.\d+)?)\]\]'
DEFAULT_VERDICT_PATTERN = r'\[\[([ABC])\]\]'
DEFAULT_VERDICTS = {'A': 'A', 'B': 'B', 'C': 'tie'}
PARSER_KEYS = ('score_pattern', 'verdict_pattern', 'verdicts', 'min_score', 'max_score')


@dataclass(frozen=True)
class JudgeParser:
    """``score_pattern``: its first group is the score, which must lie in [min_score, max_score]; the
    last match counts (the verdict closes the judge's text).  ``verdict_pattern``: its first group,
    mapped through ``verdicts`` to 'A', 'B' or 'tie' (the answers as shown); two different verdicts
    in one text are a failure, as the judge did not decide."""

    score_pattern: str = DEFAULT_SCORE_PATTERN
    verdict_pattern: str = DEFAULT_VERDICT_PATTERN
    verdicts: Mapping[str, str] | None = None
    min_score: float = 1.0
    max_score: float = 10.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None, where: str) -> JudgeParser:
        cfg = dict(cfg or {})
        unknown = sorted(set(cfg) - set(PARSER_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}. Allowed keys: {', '.join(PARSER_KEYS)}.")
        parser = cls(**cfg)
        for key in ('score_pattern', 'verdict_pattern'):
            try:
                groups = re.compile(getattr(parser, key)).groups
            except (re.error, TypeError) as exc:
                raise ConfigError(f'{where}.{key}: not a valid regular expression ({exc}): '
                                  f'{getattr(parser, key)!r}.') from None
            if groups < 1:
                raise ConfigError(f'{where}.{key}: needs a group (parentheses) around the part to read, e.g. '
                                  f"{DEFAULT_SCORE_PATTERN if key == 'score_pattern' else DEFAULT_VERDICT_PATTERN}.")
        if not parser.min_score < parser.max_score:
            raise ConfigError(f'{where}: min_score ({parser.min_score}) must be below max_score ({parser.max_score}).')
        bad = {k: v for k, v in (parser.verdicts or {}).items() if v not in ('A', 'B', 'tie')}
        if bad:
            raise ConfigError(f"{where}.verdicts: each value must be 'A', 'B' or 'tie', got {bad}.")
        return parser

    def score(self, text: str) -> float | None:
        """The score the judge gave, or None when the text holds none in range."""
        found = re.findall(self.score_pattern, text)
        if not found:
            return None
        last = found[-1][0] if isinstance(found[-1], tuple) else found[-1]
        try:
            value = float(last)
        except ValueError:
            return None
        return value if self.min_score <= value <= self.max_score else None

    def verdict(self, text: str) -> str | None:
        """'A', 'B' or 'tie' for the answers in the order shown, or None (no verdict, or two)."""
        table = dict(self.verdicts or DEFAULT_VERDICTS)
        found = {table.get(m[0] if isinstance(m, tuple) else m) for m in re.findall(self.verdict_pattern, text)}
        return found.pop() if len(found) == 1 and None not in found else None
