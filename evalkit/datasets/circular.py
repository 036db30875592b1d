"""CircularEval: every multiple-choice question asked again with its options reordered.

A model that prefers a position ("always A") or guesses gets lucky on one ordering of the
options but rarely on all of them, so asking each question in every rotation (or every
permutation) of its options separates knowing the answer from position bias.  Any MCQ
dataset gets it from one dataset-config key, without code::

    circular=dict(option_keys=['A', 'B', 'C', 'D'], answer_key='target', patterns='circular')

``read_splits`` applies it to the test split after ``limit``, so ``limit`` counts questions.
Each copy carries three extra columns, read by ``CircularEvaluator``: ``circular_id`` (the
question's row in the unwrapped split), ``circular_pattern`` (the original option keys in the
order the copy shows them: ``'BCDA'`` puts the original B in position A) and
``circular_origin`` (True for the unrotated copy).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.errors import ConfigError

PATTERNS = ('circular', 'all')
CIRCULAR_KEYS = ('option_keys', 'answer_key', 'patterns')
# All permutations of 7 options would be 5,040 copies of every question: surely not meant.
MAX_PERMUTED_OPTIONS = 6
ID_COLUMN, PATTERN_COLUMN, ORIGIN_COLUMN = 'circular_id', 'circular_pattern', 'circular_origin'


def option_orders(count: int, patterns: str) -> list[tuple[int, ...]]:
    """Orders of ``count`` options, the original first: the ``count`` cyclic rotations for
    ``'circular'``, all ``count!`` permutations for ``'all'``.  Entry j of an order is the
    original position of the option shown at position j."""
    if patterns == 'circular':
        return [tuple((j + shift) % count for j in range(count)) for shift in range(count)]
    return list(itertools.permutations(range(count)))


def pattern_name(option_keys: Sequence[str], order: Sequence[int]) -> str:
    """The original keys in shown order ('BCDA'); joined with ',' when a key is longer than a letter."""
    keys = [option_keys[j] for j in order]
    return ''.join(keys) if all(len(k) == 1 for k in option_keys) else ','.join(keys)


def check_circular(circular: Any, reader_cfg: Mapping[str, Any], where: str) -> None:
    """Checks a ``circular=`` dataset key before any work: its keys, and that the option and
    answer columns are columns the reader reads (``read_splits`` checks those exist in the data)."""
    if not isinstance(circular, Mapping):
        raise ConfigError(f"{where}: expected dict(option_keys=[...], answer_key=..., patterns='circular'|'all'), "
                          f"got {type(circular).__name__} {circular!r}.")
    unknown = [k for k in circular if k not in CIRCULAR_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed keys: {', '.join(CIRCULAR_KEYS)}.")
    keys = circular.get('option_keys')
    if (not isinstance(keys, (list, tuple)) or len(keys) < 2 or not all(isinstance(k, str) for k in keys)
            or len(set(keys)) != len(keys)):
        raise ConfigError(f"{where}.option_keys: expected a list of at least two distinct column names (the "
                          f"options, e.g. ['A', 'B', 'C', 'D']), got {keys!r}.")
    inputs = list(reader_cfg.get('input_columns') or [])
    missing = [k for k in keys if k not in inputs]
    if missing:
        raise ConfigError(f"{where}.option_keys: {missing} are not among reader_cfg.input_columns ({inputs}); "
                          f"the option columns must be read to be reordered. Add them there or fix option_keys.")
    output = reader_cfg.get('output_column')
    answer = circular.get('answer_key', output)
    if answer != output:
        raise ConfigError(f"{where}.answer_key: {answer!r} is not reader_cfg.output_column ({output!r}); the gold "
                          f"answer that is scored is the output column, so it is the one remapped in every copy. "
                          f"Set answer_key to {output!r} (or leave it out).")
    patterns = circular.get('patterns', 'circular')
    if patterns not in PATTERNS:
        raise ConfigError(f"{where}.patterns: expected 'circular' (the {len(keys)} rotations) or 'all' (all "
                          f"{len(keys)}! orders), got {patterns!r}.")
    if patterns == 'all' and len(keys) > MAX_PERMUTED_OPTIONS:
        raise ConfigError(f"{where}.patterns: 'all' with {len(keys)} options would ask every question "
                          f"{math.factorial(len(keys))} times; use patterns='circular' (or at most "
                          f"{MAX_PERMUTED_OPTIONS} options).")


def circular_rows(rows: Sequence[Mapping[str, Any]], circular: Mapping[str, Any], answer_column: str,
                  where: str) -> list[dict[str, Any]]:
    """Every row once per option order, question by question, options moved and the gold key remapped."""
    option_keys = list(circular['option_keys'])
    answer_key = circular.get('answer_key', answer_column)
    orders = option_orders(len(option_keys), circular.get('patterns', 'circular'))
    copies = []
    for question, row in enumerate(rows):
        missing = [k for k in (*option_keys, answer_key) if k not in row]
        if missing:
            raise ConfigError(f"{where}.circular: the test rows lack column(s) {missing}; they have "
                              f"{', '.join(row)}. Fix circular.option_keys / answer_key.")
        gold = str(row[answer_key]).strip()
        if gold not in option_keys:
            raise ConfigError(f"{where}.circular: test row {question} has answer {row[answer_key]!r} in column "
                              f"'{answer_key}', which is not one of the option keys {option_keys}; circular "
                              f"evaluation needs the answer to name the right option's column.")
        gold_position = option_keys.index(gold)
        for order in orders:
            copy = dict(row)
            copy.update({key: row[option_keys[source]] for key, source in zip(option_keys, order)})
            copy[answer_key] = option_keys[order.index(gold_position)]
            copy.update({ID_COLUMN: question, PATTERN_COLUMN: pattern_name(option_keys, order),
                         ORIGIN_COLUMN: order == orders[0]})
            copies.append(copy)
    return copies
