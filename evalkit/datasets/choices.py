"""Shared shape of multiple-choice rows, and the readers of the formats several benchmarks share.

Every multiple-choice loader of the catalog hands its prompts the same columns: ``question``,
one column per option letter (``A`` ... up to the benchmark's widest question, '' where a question
has fewer options), ``options`` (the question's own options as "A. text" lines, so a prompt shows
3- and 5-option questions correctly) and ``answer`` (the gold letter).  Letters come from the
option's position, not its label: ARC labels some questions 1-4, and a prompt should not mix the two.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.config.errors import ConfigError

LETTERS = 'ABCDEFGHIJ'


def lettered_row(question: str, texts: Sequence[str], answer_index: int, width: int) -> dict[str, Any]:
    """The shared row for ``question`` with options ``texts``, the ``answer_index``-th being right;
    ``width`` letter columns are always present so every row of a dataset has the same columns."""
    letters = LETTERS[:len(texts)]
    row: dict[str, Any] = {'question': question}
    row.update({letter: (texts[k] if k < len(texts) else '') for k, letter in enumerate(LETTERS[:width])})
    row['options'] = '\n'.join(f'{letter}. {text}' for letter, text in zip(letters, texts))
    row['answer'] = letters[answer_index]
    return row


def ai2_row(raw: dict[str, Any], width: int, where: str) -> dict[str, Any]:
    """A row of AI2's question format (ARC, OpenBookQA, CommonsenseQA): ``question.stem``,
    ``question.choices`` [{``label``, ``text``}], ``answerKey`` naming one label."""
    choices = raw['question']['choices']
    labels = [c['label'] for c in choices]
    if raw['answerKey'] not in labels:
        raise ConfigError(f"{where}: answerKey {raw['answerKey']!r} of question {raw.get('id')!r} is none of "
                          f"its choice labels {labels}. Fix that row or remove it.")
    if len(choices) > width:
        raise ConfigError(f"{where}: question {raw.get('id')!r} has {len(choices)} choices; this benchmark "
                          f"allows at most {width}. Fix that row or remove it.")
    return {'id': raw.get('id', ''), **lettered_row(raw['question']['stem'], [c['text'] for c in choices],
                                                    labels.index(raw['answerKey']), width)}


def hub_ai2_row(raw: dict[str, Any], stem_field: str, width: int) -> dict[str, Any]:
    """The same row from the hub's flattened form (``choices`` {``text``: [...], ``label``: [...]})."""
    labels = list(raw['choices']['label'])
    return {'id': raw.get('id', ''), **lettered_row(raw[stem_field], list(raw['choices']['text']),
                                                    labels.index(raw['answerKey']), width)}


def read_label_lines(path: Path, expected: int, allowed: Sequence[str]) -> list[str]:
    """The labels of a ``*-labels.lst`` file, one per line of its data file (PIQA, WinoGrande).

    The two files are aligned by line only, so a count mismatch would silently pair questions
    with other questions' answers: it is an error instead."""
    labels = [line.strip() for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]
    if len(labels) != expected:
        raise ConfigError(f"Label file '{path}' has {len(labels)} labels but its data file has {expected} "
                          f"rows; line N of each belongs together. Restore the matching pair of files.")
    for number, label in enumerate(labels, 1):
        if label not in allowed:
            raise ConfigError(f"Label file '{path}', line {number}: {label!r} is not one of {list(allowed)}.")
    return labels
