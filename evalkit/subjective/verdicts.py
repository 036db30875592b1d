"""From parsed judgements to results: single scores, and pairwise outcomes with position bias.

A pair is judged twice, answers swapped.  When both orders name the same winner (or both a
tie) that is the outcome; when they disagree, the judge followed the position rather than the
answers: the outcome is a tie and the disagreement counts as ``position_bias``.  A pair whose
two judgements are not both readable has no outcome (its parse failures are counted).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.subjective.parsing import JudgeParser

Winner = str  # 'model_a' (the subject's first model), 'model_b' or 'tie'


def read_judgement(record: Mapping[str, Any], parser: JudgeParser) -> dict[str, Any]:
    """A judgement with what was read from it: ``score`` (single) or ``winner`` (pairwise, in the
    subject's own order), and ``parsed`` False when nothing could be read."""
    raw = str(record.get('raw', ''))
    if 'order' not in record:
        score = parser.score(raw)
        return {**record, 'score': score, 'parsed': score is not None}
    shown = parser.verdict(raw)
    first_shown_as_a = record['order'] == 'ab'
    winner = None if shown is None else 'tie' if shown == 'tie' else \
        ('model_a' if (shown == 'A') == first_shown_as_a else 'model_b')
    return {**record, 'winner': winner, 'parsed': winner is not None}


@dataclass(frozen=True)
class PairResult:
    """The outcome of one (row, turn) of a pair after both orders."""

    row: int
    turn: int
    category: str | None
    winner: Winner
    position_bias: bool


def pair_results(details: Sequence[Mapping[str, Any]]) -> list[PairResult]:
    """Both orders of each (row, turn) combined (see the module docstring)."""
    by_key: dict[tuple[str, int, int], dict[str, Mapping[str, Any]]] = {}
    for d in details:  # pooled groups hold several datasets: rows are numbered per dataset
        by_key.setdefault((str(d.get('dataset')), d['row'], d['turn']), {})[d['order']] = d
    results = []
    for (_, row, turn), orders in sorted(by_key.items()):
        ab, ba = orders.get('ab'), orders.get('ba')
        if not (ab and ba and ab['parsed'] and ba['parsed']):
            continue
        flipped = ab['winner'] != ba['winner']
        results.append(PairResult(row, turn, ab.get('category'), 'tie' if flipped else ab['winner'], flipped))
    return results


def win_value(winner: Winner) -> float:
    """The first model's result in percent: a win 100, a tie 50, a loss 0."""
    return {'model_a': 100.0, 'tie': 50.0, 'model_b': 0.0}[winner]
