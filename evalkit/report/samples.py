"""The per-row records of a run, joined for the report's sample browser.

A row's prompt, raw prediction and gold come from ``predictions/<model>/<dataset>.jsonl``; its
verdict, the extracted answer and anything else the evaluator kept (a code sample's fate, a
circular question's pattern) come from ``results/<model>/<dataset>.details.jsonl``, and what judge
models said about it from the judge stage's details; all are joined by row index.  Few-shot prompts of one dataset share a long context (the in-context examples), so each
(model, dataset) keeps that shared start once and every row only its own rest: a 14,000-row MMLU
run stays a few megabytes instead of tens.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir

DETAIL_COLUMNS = ('index', 'pred', 'gold', 'correct')  # shown in their own places; other keys go to "extra"


@dataclass
class SampleSet:
    """Rows as compact lists (one value per name in ``fields``), plus each (model, dataset)'s shared prompt start.

    Lists rather than dicts keep the JSON the report embeds small; the page's script reads the
    field positions from ``fields``."""

    models: list[str]
    datasets: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    shared_prompts: dict[str, str] = field(default_factory=dict)  # '<model idx>|<dataset idx>' -> text

    fields: tuple[str, ...] = ('model', 'dataset', 'index', 'prompt', 'prediction', 'answer', 'gold', 'correct',
                               'extra')

    def wrong(self, model: str, dataset: str) -> list[int]:
        """Row indices of ``dataset`` that ``model`` got wrong (what the "wrong only" filter shows)."""
        m, d = self.models.index(model), self.datasets.index(dataset)
        at = {name: k for k, name in enumerate(self.fields)}
        return [r[at['index']] for r in self.rows
                if r[at['model']] == m and r[at['dataset']] == d and r[at['correct']] is False]

    def to_json(self) -> dict[str, Any]:
        return {'fields': list(self.fields), 'models': self.models, 'datasets': self.datasets,
                'shared_prompts': self.shared_prompts, 'rows': self.rows}


def jsonl_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file (none if it does not exist: a dataset that never finished)."""
    try:
        with open(path, encoding='utf-8') as fh:
            yield from (json.loads(line) for line in fh if line.strip())
    except FileNotFoundError:
        return


def _text(value: Any) -> str:
    """Prompts and predictions as text: chat prompts and multi-turn answers are lists, shown as JSON."""
    if value is None:
        return ''
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def shared_start(prompts: Sequence[str]) -> str:
    """The start every prompt shares, cut back to a line end so each row's own part reads from a line
    start ('' for fewer than two prompts: nothing is shared)."""
    if len(prompts) < 2:
        return ''
    common = os.path.commonprefix(list(prompts))
    return common[:common.rfind('\n') + 1]


def _dataset_rows(run_dir: RunDir, model: str, dataset: str) -> tuple[list[dict[str, Any]], dict[int, dict]]:
    predictions = sorted(jsonl_records(run_dir.predictions(model, dataset)), key=lambda r: r['index'])
    details = {d['index']: d for d in jsonl_records(run_dir.details(model, dataset)) if 'index' in d}
    return predictions, details


def _judgement_text(judge: str, subject: str, judgement: dict[str, Any]) -> str:
    """One judgement as the sample browser shows it: who judged what, what was read, the raw output."""
    where = [f"turn {judgement['turn']}" if 'turn' in judgement else '',
             f"{subject.replace('_vs_', ' vs ')}, order {judgement['order']}" if 'order' in judgement else '']
    read = 'unreadable' if judgement.get('parsed') is False else \
        f"winner {judgement['winner']}" if 'winner' in judgement else f"score {judgement.get('score')}"
    head = ', '.join(part for part in [judge, *where, read] if part)
    return f"{head}\n{judgement.get('raw', '')}"


def judge_outputs(run_dir: RunDir, model: str, dataset: str) -> dict[int, list[str]]:
    """Every judge's output on each row of ``model``'s answers (judged alone, or paired with another
    model's answer to the same row), read from the judge stage's details (``judgements/<judge>/<subject>/<dataset>.details.jsonl``)."""
    found: dict[int, list[str]] = {}
    for path in sorted((run_dir.root / 'judgements').glob(f'*/*/{dataset}.details.jsonl')):
        subject = path.parent.name
        if model not in subject.split('_vs_'):  # its own grading, or a pair it is part of (either side)
            continue
        for judgement in jsonl_records(path):
            if 'row' in judgement:
                found.setdefault(judgement['row'], []).append(_judgement_text(path.parent.parent.name, subject, judgement))
    return found


def collect_samples(run_dir: RunDir, models: Sequence[str], datasets: Sequence[str]) -> SampleSet:
    """Every predicted row of every (model, dataset), with its verdict where the evaluator gave one."""
    samples = SampleSet(models=list(models), datasets=list(datasets))
    for m, model in enumerate(models):
        for d, dataset in enumerate(datasets):
            predictions, details = _dataset_rows(run_dir, model, dataset)
            judged = judge_outputs(run_dir, model, dataset)
            prompts = [_text(r.get('prompt')) for r in predictions]
            shared = shared_start(prompts)
            if shared:
                samples.shared_prompts[f'{m}|{d}'] = shared
            for record, prompt in zip(predictions, prompts):
                detail = details.get(record['index'], {})
                correct = detail.get('correct')
                extra = {k: v for k, v in detail.items() if k not in DETAIL_COLUMNS}
                if record['index'] in judged:
                    extra['judge output'] = '\n\n'.join(judged[record['index']])
                answer = detail.get('pred')
                samples.rows.append([
                    m, d, record['index'], prompt[len(shared):], _text(record.get('prediction')),
                    None if answer is None else _text(answer), _text(detail.get('gold', record.get('gold'))),
                    correct if isinstance(correct, bool) else None, extra or None])
    return samples
