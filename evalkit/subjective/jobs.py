"""The judgements a dataset owes, and the text each one shows the judge.

A *subject* is what one judgement file is about: one model (single grading) or an ordered
pair (model, opponent).  Its jobs are numbered in a fixed order (row, graded turn, and for
pairs the order of the answers: ``ab`` then ``ba``, the same two answers swapped to expose
position bias), so a job's number is its ``index`` in the resumable judgement store.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.api.prompt import Message
from evalkit.config.errors import ConfigError
from evalkit.subjective.prompts import JudgePrompt, choose_prompt
from evalkit.subjective.settings import DatasetJudging

ORDERS = ('ab', 'ba')


@dataclass(frozen=True)
class Job:
    index: int
    row: int
    turn: int
    prompt: JudgePrompt
    order: str | None = None  # pairs: 'ab' shows the subject's first model as A, 'ba' as B


def subject_name(subject: Sequence[str]) -> str:
    """The folder name of a subject: ``model`` or ``model_vs_opponent``."""
    return '_vs_'.join(subject)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def questions(row: Mapping[str, Any], judging: DatasetJudging, i: int) -> list[str]:
    found = _as_list(row.get(judging.question_column))
    if not found:
        raise ConfigError(f"judge_cfg.question_column: test row {i} has no question in column "
                          f"'{judging.question_column}' (columns: {', '.join(row)}). Set question_column.")
    return found


def category(row: Mapping[str, Any], judging: DatasetJudging) -> str | None:
    return None if judging.category_column is None else str(row.get(judging.category_column))


def jobs(judging: DatasetJudging, rows: Sequence[Mapping[str, Any]], pair: bool) -> list[Job]:
    """Every judgement of one subject: for each row, each turn a prompt grades (at most the row's turns)."""
    found: list[Job] = []
    for i, row in enumerate(rows):
        for turn in range(1, len(questions(row, judging, i)) + 1):
            prompt = choose_prompt(judging.prompts, judging.prompt_mode, turn, category(row, judging))
            if prompt is None:
                continue
            for order in ORDERS if pair else (None,):
                found.append(Job(len(found), i, turn, prompt, order))
    return found


def answers_of(record: Mapping[str, Any]) -> list[str]:
    """A prediction record's answer per turn (multi-turn chat keeps them all, generation one)."""
    return [str(a) for a in record.get('answers') or [record['prediction']]]


def fields(job: Job, row: Mapping[str, Any], judging: DatasetJudging, answers: Sequence[list[str]]) -> dict[str, str]:
    """Placeholder values of a job; ``answers`` holds each subject model's answers per turn, in
    the subject's order (for ``ba`` the second model's answers are shown as A)."""
    asked = questions(row, judging, job.row)
    refs = _as_list(row.get(judging.reference_column)) if judging.reference_column else []
    values: dict[str, str] = {'category': category(row, judging) or '', 'question': asked[job.turn - 1]}
    values.update({f'question_{k}': q for k, q in enumerate(asked, 1)})
    if job.turn <= len(refs):
        values['reference'] = refs[job.turn - 1]
    values.update({f'ref_answer_{k}': r for k, r in enumerate(refs, 1)})
    shown = list(answers) if job.order != 'ba' else list(reversed(answers))
    names = ['answer'] if job.order is None else ['answer_a', 'answer_b']
    for name, turns in zip(names, shown):
        if len(turns) >= job.turn:
            values[name] = turns[job.turn - 1]
        values.update({f'{name}_{k}': a for k, a in enumerate(turns, 1)})
    return values


def messages(job: Job, row: Mapping[str, Any], judging: DatasetJudging, answers: Sequence[list[str]]) -> list[Message]:
    return job.prompt.messages(fields(job, row, judging, answers))
