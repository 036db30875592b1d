"""The subjective summary: per dataset x model x judge, the mean score or win rate, per turn and
per category, with every parse failure counted and every judgement kept with its raw output.

Writes ``summary/subjective_<ts>.{csv,md,txt}`` (overall, per turn), ``subjective_<ts>.categories.csv``,
one ``judgements/<judge>/<subject>/<dataset>.details.jsonl`` per judgement file (what was read
from each judgement, or ``parsed: false``), and for pairwise modes the arena leaderboard
(``evalkit.subjective.arena``) from every pair's outcomes.  Datasets that declare
``summary_groups`` (MT-Bench's categories) also get a row per group, pooling their judgements.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from evalkit.atomic import atomic_writer, write_text_atomic
from evalkit.openicl.evaluators.stderr import mean_stderr
from evalkit.outputs import RunDir
from evalkit.registry import SUMMARIZERS
from evalkit.subjective.jobs import subject_name
from evalkit.subjective.settings import JudgeSettings, dataset_judging, subjective, subjects
from evalkit.subjective.verdicts import pair_results, read_judgement, win_value
from evalkit.tasks.prediction_store import PredictionStore, read_records

MISSING = '-'


@dataclass
class Line:
    """One row of the summary: a subject on a dataset (or group) under one judge."""

    dataset: str
    judge: str
    subject: tuple[str, ...]
    details: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True

    @property
    def pairwise(self) -> bool:
        return len(self.subject) == 2

    @property
    def parse_failures(self) -> int:
        return sum(1 for d in self.details if not d['parsed'])

    def values(self) -> list[tuple[int, str | None, float]]:
        """(turn, category, value) per outcome: a 1-10 score, or the first model's win (100/50/0)."""
        if self.pairwise:
            return [(r.turn, r.category, win_value(r.winner)) for r in pair_results(self.details)]
        return [(d['turn'], d.get('category'), d['score']) for d in self.details if d['parsed']]

    def position_bias(self) -> int | None:
        return sum(r.position_bias for r in pair_results(self.details)) if self.pairwise else None


def _mean(values: Sequence[float]) -> float | str:
    return round(sum(values) / len(values), 2) if values else MISSING


@SUMMARIZERS.register_module()
class SubjectiveSummarizer:
    """``max_parse_failure_rate``: the largest share of unreadable judgements a dataset x model x
    judge may have; above it the run reports a problem (and exits non-zero)."""

    def __init__(self, max_parse_failure_rate: float = 0.2) -> None:
        self.max_parse_failure_rate = max_parse_failure_rate

    def collect(self, run_dir: RunDir, judges: Sequence[str], models: Sequence[str],
                datasets: Sequence[Mapping[str, Any]], settings: JudgeSettings) -> list[Line]:
        """Every judgement file read and parsed (its details written beside it); group rows last."""
        lines: list[Line] = []
        groups: dict[tuple[str, str, tuple[str, ...]], Line] = {}
        for judge in judges:
            for ds in subjective(datasets):
                judging = dataset_judging(ds, settings)
                for subject in subjects(judging.mode, models, settings.base_models):
                    line = self._read(run_dir, judge, subject, ds['abbr'], judging.parser)
                    lines.append(line)
                    for group in ds.get('summary_groups') or []:
                        pooled = groups.setdefault((group, judge, subject), Line(group, judge, subject))
                        pooled.details.extend(line.details)
                        pooled.complete &= line.complete
        return lines + list(groups.values())

    @staticmethod
    def _read(run_dir: RunDir, judge: str, subject: tuple[str, ...], dataset: str, parser: Any) -> Line:
        path = run_dir.judgements(judge, subject_name(subject), dataset)
        if not PredictionStore(path, '').meta().get('complete'):
            return Line(dataset, judge, subject, complete=False)
        details = [{**read_judgement(r, parser), 'dataset': dataset} for r in read_records(path)]
        with atomic_writer(run_dir.judgement_details(judge, subject_name(subject), dataset)) as fh:
            for detail in details:
                fh.write(json.dumps(detail, ensure_ascii=False) + '\n')
        return Line(dataset, judge, subject, details)

    def problems(self, lines: Sequence[Line], run_dir: RunDir, group_names: set[str]) -> list[str]:
        """One paragraph per dataset x model x judge whose parse-failure share is above the limit."""
        found = []
        for line in lines:
            if line.dataset in group_names or not line.details:
                continue
            share = line.parse_failures / len(line.details)
            if share > self.max_parse_failure_rate:
                details = run_dir.judgement_details(line.judge, subject_name(line.subject), line.dataset)
                found.append(
                    f"{line.dataset} / {' vs '.join(line.subject)} judged by {line.judge}: {line.parse_failures} of "
                    f"{len(line.details)} judgements ({share:.0%}) could not be parsed, more than "
                    f"max_parse_failure_rate={self.max_parse_failure_rate:g}. Their raw outputs are in {details}; "
                    f"fix judge.parser's patterns or the judge prompt, or use a judge that follows the format "
                    f"(then summarise again with -r -m viz, which re-reads without judging again).")
        return found

    def summarize(self, run_dir: RunDir, judges: Sequence[str], models: Sequence[str],
                  datasets: Sequence[Mapping[str, Any]], settings: JudgeSettings) -> tuple[str, list[str]]:
        """Write the summary files; return the text to print and the problems (empty when the run passes)."""
        lines = self.collect(run_dir, judges, models, datasets, settings)
        group_names = {g for ds in subjective(datasets) for g in ds.get('summary_groups') or []}
        turns = sorted({d['turn'] for line in lines for d in line.details}) or [1]
        head = ['dataset', 'judge', 'model', 'opponent', 'metric', 'overall', 'stderr',
                *(f'turn {t}' for t in turns), 'judged', 'parse_failures', 'position_bias']
        rows = [_row(line, turns) for line in lines]
        category_head = ['dataset', 'judge', 'model', 'opponent', 'category', 'value', 'count']
        category_rows = [row for line in lines for row in _category_rows(line)]
        write_text_atomic(run_dir.subjective_summary('csv'), _csv(head, rows))
        write_text_atomic(run_dir.subjective_summary('categories.csv'), _csv(category_head, category_rows))
        tables = [tabulate(rows, headers=head, tablefmt='simple', missingval=MISSING)]
        markdown = [tabulate(rows, headers=head, tablefmt='github', missingval=MISSING)]
        if category_rows:
            tables.append(tabulate(category_rows, headers=category_head, tablefmt='simple'))
            markdown.append(tabulate(category_rows, headers=category_head, tablefmt='github'))
        legend = ('score: mean 1-10 rating; win_rate: % of the model against the opponent (ties count half); '
                  'parse_failures: judgements no pattern could read (kept in judgements/*/*.details.jsonl); '
                  'position_bias: pairs whose verdict flipped when the answers swapped places (counted as ties).')
        arena = _arena_report(run_dir, lines, settings, group_names)
        text = '\n\n'.join([*tables, legend, *arena])
        write_text_atomic(run_dir.subjective_summary('txt'), text + '\n')
        write_text_atomic(run_dir.subjective_summary('md'), '\n\n'.join([*markdown, legend, *arena]) + '\n')
        return text, self.problems(lines, run_dir, group_names)


def _row(line: Line, turns: Sequence[int]) -> list[Any]:
    values = line.values()
    overall = [v for _, _, v in values]
    cells = [line.dataset, line.judge, line.subject[0], line.subject[1] if line.pairwise else MISSING,
             'win_rate' if line.pairwise else 'score']
    if not line.complete:
        return cells + [MISSING] * (2 + len(turns)) + [MISSING, MISSING, MISSING]
    return cells + [_mean(overall), round(mean_stderr(overall), 2) if overall else MISSING,
                    *(_mean([v for t, _, v in values if t == turn]) for turn in turns),
                    len(line.details), line.parse_failures,
                    MISSING if line.position_bias() is None else line.position_bias()]


def _category_rows(line: Line) -> list[list[Any]]:
    by_category: dict[str, list[float]] = {}
    for _, category, value in line.values():
        if category is not None:
            by_category.setdefault(str(category), []).append(value)
    return [[line.dataset, line.judge, line.subject[0], line.subject[1] if line.pairwise else MISSING,
             category, _mean(values), len(values)] for category, values in sorted(by_category.items())]


def _csv(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator='\n').writerows([head, *rows])
    return buffer.getvalue()


def _arena_report(run_dir: RunDir, lines: Sequence[Line], settings: JudgeSettings, group_names: set[str]) -> list[str]:
    """Bradley-Terry ratings from every pair outcome of every judge and dataset (group rows are not
    counted twice); one line naming the files, or nothing when no pair was judged."""
    from evalkit.subjective.arena import PairOutcome, arena_ratings, write_arena_report

    outcomes = [PairOutcome(line.subject[0], line.subject[1], r.winner)  # type: ignore[arg-type]
                for line in lines if line.pairwise and line.dataset not in group_names
                for r in pair_results(line.details)]
    if not outcomes:
        return []
    baseline = settings.base_models[0] if len(settings.base_models) == 1 else None
    paths = write_arena_report(arena_ratings(outcomes, baseline=baseline), run_dir.root / 'summary')
    return [f"Arena ratings from {len(outcomes)} pair outcomes: {', '.join(str(p) for p in paths)}"]
