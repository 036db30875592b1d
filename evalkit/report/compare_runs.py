"""Compare the scores of several run folders, and the questions whose verdict changed between them.

Numbers from two runs mean the same thing only when the same prompts were built from the same data:
each result records the dataset's ``version`` (the short hash of the prompt-shaping config) and the
SHA-256 of every data file read (``provenance.data_files``).  Runs are matched on those, not on paths,
timestamps or machines, so a run made elsewhere compares as well as one made here; when they differ
the numbers are still shown, marked not comparable, with the reason, and no per-question changes are
listed (row N may not be the same question).

The first run is the baseline: every other column is compared with the first run's column of the
same model, or, when the first run lacks that model, with the first run's first model.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.outputs import RunDir
from evalkit.report.samples import jsonl_records

NOT_METRICS = frozenset({'num_examples', 'truncated_prompts'})
MAIN_METRICS = ('accuracy', 'score')  # shown first, as in the summary table
EXCERPT_CHARS = 160
CHAT_MARKER = re.compile(r'<\|[^<>|]*\|>|\[/?INST\]|<s>|</s>')
ROLE_WORD = re.compile(r'^\s*(system|user|human|assistant|bot)\b[:\s]*', re.I)


@dataclass(frozen=True)
class Column:
    """One model of one run: a column of the comparison table."""
    run: int
    model: str
    label: str


@dataclass(frozen=True)
class ChangedRow:
    """A question one column answers correctly and its baseline does not, or the other way round."""
    index: int
    question: str
    before: str
    after: str
    now_correct: bool


@dataclass
class Comparison:
    runs: list[RunDir]
    columns: list[Column]
    rows: list[tuple[str, str]]  # (dataset, metric), table order
    values: dict[tuple[str, str, Column], float] = field(default_factory=dict)
    versions: dict[tuple[str, Column], str] = field(default_factory=dict)
    baseline: dict[tuple[str, Column], Column] = field(default_factory=dict)  # (dataset, column) -> baseline
    not_comparable: dict[tuple[str, Column], list[str]] = field(default_factory=dict)
    changed: dict[tuple[str, Column], list[ChangedRow]] = field(default_factory=dict)

    def delta(self, dataset: str, metric: str, column: Column) -> float | None:
        base = self.baseline.get((dataset, column))
        if base is None or base == column:
            return None
        before, after = self.values.get((dataset, metric, base)), self.values.get((dataset, metric, column))
        return None if before is None or after is None else after - before


def run_results(run_dir: RunDir) -> dict[tuple[str, str], dict[str, Any]]:
    """(model, dataset) -> the run's results record, for every dataset the run scored."""
    found = {}
    for model, dataset in run_dir.scored():
        try:
            found[(model, dataset)] = json.loads(run_dir.results(model, dataset).read_text(encoding='utf-8'))
        except (OSError, ValueError):
            continue  # a results file being rewritten or damaged: that cell shows as missing
    return found


def _labels(runs: Sequence[RunDir]) -> list[str]:
    """Each run's short name: its folder name, or parent/folder when two runs share a folder name."""
    names = [r.root.name for r in runs]
    return [f'{r.root.parent.name}/{r.root.name}' if names.count(r.root.name) > 1 else r.root.name for r in runs]


def metrics_of(result: dict[str, Any]) -> list[str]:
    numeric = [k for k, v in result.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in NOT_METRICS]
    return sorted(numeric, key=lambda k: (k not in MAIN_METRICS, MAIN_METRICS.index(k) if k in MAIN_METRICS else 0))


def mismatch_reasons(base: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Why two results of one dataset do not measure the same thing (empty: they do)."""
    reasons = []
    if base.get('version') != other.get('version'):
        reasons.append(f"dataset version {base.get('version')} vs {other.get('version')} (prompts or settings differ)")
    hashes = [sorted(((r.get('provenance') or {}).get('data_files') or {}).values()) for r in (base, other)]
    if hashes[0] != hashes[1]:
        reasons.append('data files differ (their SHA-256 do not match)')
    if base.get('num_examples') != other.get('num_examples'):
        reasons.append(f"{base.get('num_examples')} vs {other.get('num_examples')} questions")
    return reasons


def question_excerpt(prompt: Any) -> str:
    """The end of the prompt's last user turn (the question itself, after any in-context examples),
    with chat-template markers removed; for a prompt without turns, its end."""
    text = prompt if isinstance(prompt, str) else json.dumps(prompt, ensure_ascii=False)
    turns = [t for t in CHAT_MARKER.split(text) if t.strip()]
    users = [t for t in turns if (m := ROLE_WORD.match(t)) and m.group(1).lower() in ('user', 'human')]
    chosen = ROLE_WORD.sub('', users[-1]) if users else CHAT_MARKER.sub('', text)
    flat = ' '.join(chosen.split())
    return flat if len(flat) <= EXCERPT_CHARS else '…' + flat[-EXCERPT_CHARS:]


def changed_rows(runs: Sequence[RunDir], dataset: str, base: Column, column: Column) -> list[ChangedRow]:
    """Rows whose verdict (``correct`` in the details files) differs between ``base`` and ``column``."""
    before = {d['index']: d for d in jsonl_records(runs[base.run].details(base.model, dataset)) if 'index' in d}
    after = {d['index']: d for d in jsonl_records(runs[column.run].details(column.model, dataset)) if 'index' in d}
    flipped = sorted(i for i in before.keys() & after.keys()
                     if isinstance(before[i].get('correct'), bool) and isinstance(after[i].get('correct'), bool)
                     and before[i]['correct'] != after[i]['correct'])
    if not flipped:
        return []
    wanted = set(flipped)
    predictions = {p['index']: p for p in jsonl_records(runs[column.run].predictions(column.model, dataset))
                   if p.get('index') in wanted}

    def answer(detail: dict[str, Any], index: int) -> str:
        value = detail.get('pred', (predictions.get(index) or {}).get('prediction', ''))
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return [ChangedRow(i, question_excerpt((predictions.get(i) or {}).get('prompt', '')), answer(before[i], i),
                       answer(after[i], i), bool(after[i]['correct'])) for i in flipped]


def _baseline(columns: Sequence[Column], results: dict[tuple[int, str, str], dict], dataset: str,
              column: Column) -> Column | None:
    """The first run's column of the same model, else the first run's first column holding ``dataset``."""
    first = [c for c in columns if c.run == 0 and (0, c.model, dataset) in results]
    same = [c for c in first if c.model == column.model]
    return (same or first or [None])[0]


def compare(run_roots: Sequence[Path]) -> Comparison:
    """Read every run folder and compare its scores (and per-question verdicts) with the first run's."""
    runs = []
    for root in run_roots:
        run = RunDir(Path(root))
        if not (run.root / 'results').is_dir():
            raise ConfigError(f"'{root}' is not a run folder (no results/ inside). Pass folders such as "
                              f"outputs/<experiment>/<timestamp>, each from a finished (or evaluated) run.")
        runs.append(run)
    results = {(i, model, dataset): record for i, run in enumerate(runs)
               for (model, dataset), record in run_results(run).items()}
    labels = _labels(runs)
    columns = [Column(i, m, f'{labels[i]}/{m}') for i, m in dict.fromkeys((i, m) for i, m, _ in results)]
    datasets = list(dict.fromkeys(d for _, _, d in results))
    rows = list(dict.fromkeys((d, metric) for d in datasets for (_, _, ds), r in results.items()
                              if ds == d for metric in metrics_of(r)))
    comparison = Comparison(runs, columns, rows)
    for (i, model, dataset), record in results.items():
        column = next(c for c in columns if (c.run, c.model) == (i, model))
        comparison.versions[(dataset, column)] = str(record.get('version', '-'))
        for metric in metrics_of(record):
            comparison.values[(dataset, metric, column)] = float(record[metric])
        base = _baseline(columns, results, dataset, column)
        if base is None or base == column:
            continue
        comparison.baseline[(dataset, column)] = base
        reasons = mismatch_reasons(results[(0, base.model, dataset)], record)
        if reasons:
            comparison.not_comparable[(dataset, column)] = reasons
        else:
            comparison.changed[(dataset, column)] = changed_rows(runs, dataset, base, column)
    return comparison
