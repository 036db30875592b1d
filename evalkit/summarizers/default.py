"""The default summary: dataset | version | metric | mode | one column per model.

Group rows (e.g. C-Eval and its four categories) follow the datasets, with plain
and example-weighted averages.  Groups come from the datasets themselves (each
dataset config lists the ``summary_groups`` it belongs to) and from the summarizer's
own ``summary_groups``; a group is averaged only when every model has every subset.

Provenance (versions, machine, command, times, each model's identity and each
dataset's files) goes to ``summary/provenance.json`` and a short footer under the text
and markdown tables.  The CSV holds the numbers only, so two identical runs write
byte-identical CSVs.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tabulate import tabulate

from evalkit.atomic import write_json_atomic, write_text_atomic
from evalkit.outputs import RunDir
from evalkit.provenance import provenance_footer, summary_provenance
from evalkit.registry import SUMMARIZERS

MISSING = '-'
STDERR_SUFFIX = ' stderr'


def _read_result(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return None


def _main_metric(result: Mapping[str, Any]) -> str:
    for key in ('accuracy', 'score'):
        if key in result:
            return key
    return next(k for k, v in result.items() if isinstance(v, (int, float)) and k != 'num_examples')


def _stderr(result: Mapping[str, Any], metric: str) -> float | None:
    """The standard error the evaluator reported for ``metric``, if any (older results have none)."""
    value = (result.get('stderr') or {}).get(metric)
    return value if isinstance(value, (int, float)) else None


def combined_stderr(stderrs: Sequence[float], weights: Sequence[float]) -> float:
    """Standard error of the weighted average sum(w_i x_i) / sum(w_i) of subset scores x_i.

    Assumes the subsets' errors are independent (disjoint questions, scored separately), so
    their variances add: sqrt(sum(se_i^2 w_i^2)) / sum(w_i).  With unit weights this is the
    error of the plain average.  Subsets that share questions would make it too small.
    """
    return math.sqrt(sum((se * w) ** 2 for se, w in zip(stderrs, weights))) / sum(weights)


def _rounded(value: float | None) -> Any:
    return MISSING if value is None else round(value, 2)


@SUMMARIZERS.register_module()
class DefaultSummarizer:
    """``show_stderr``: add each model's standard error of the shown metric (a ``<model> stderr``
    column in the csv, ``value ± stderr`` cells in the txt and md tables)."""

    def __init__(self, summary_groups: list | None = None, show_stderr: bool = False) -> None:
        self.summary_groups = list(summary_groups or [])
        self.show_stderr = show_stderr

    def groups(self, datasets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Explicit groups first, then those the datasets declare, in order of first mention."""
        declared: dict[str, list[str]] = {}
        for ds in datasets:
            for name in ds.get('summary_groups') or []:
                declared.setdefault(name, []).append(ds['abbr'])
        # Benchmark-wide groups ('ceval') read best after their categories ('ceval-stem').
        ordered = sorted(declared, key=lambda n: (n.split('-')[0], '-' not in n))
        return [*self.summary_groups, *({'name': n, 'subsets': declared[n]} for n in ordered)]

    def table(self, run_dir: RunDir, model_abbrs: Sequence[str], datasets: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        dataset_abbrs = [d['abbr'] for d in datasets]
        results = {(m, d): _read_result(run_dir.results(m, d)) for m in model_abbrs for d in dataset_abbrs}
        width = 2 if self.show_stderr else 1
        rows = []
        for d in dataset_abbrs:
            known = next((r for m in model_abbrs if (r := results[(m, d)])), None)
            if known is None:
                rows.append([d, MISSING, MISSING, MISSING] + [MISSING] * len(model_abbrs) * width)
                continue
            metric = _main_metric(known)
            cells = []
            for m in model_abbrs:
                r = results[(m, d)]
                cells.append(round(r[metric], 2) if r else MISSING)
                if self.show_stderr:
                    cells.append(_rounded(_stderr(r, metric)) if r else MISSING)
            rows.append([d, known['version'], metric, known['mode'], *cells])
        rows.extend(self._group_rows(self.groups(datasets), results, model_abbrs, dataset_abbrs,
                                     show_stderr=self.show_stderr))
        model_columns = [c for m in model_abbrs for c in ([m, f'{m}{STDERR_SUFFIX}'] if self.show_stderr else [m])]
        return pd.DataFrame(rows, columns=['dataset', 'version', 'metric', 'mode', *model_columns])

    @staticmethod
    def _group_rows(groups: Sequence[Mapping[str, Any]], results: Mapping[tuple[str, str], Any],
                    model_abbrs: Sequence[str], dataset_abbrs: Sequence[str],
                    show_stderr: bool = False) -> list[list[Any]]:
        """A plain and an example-weighted average row per group; with ``show_stderr`` each model's
        cell is followed by the average's standard error (``combined_stderr``), missing when a
        subset's result has none."""
        rows = []
        for group in groups:
            present = [s for s in group['subsets'] if s in dataset_abbrs]
            if not present:
                continue
            name = group['name'] if len(present) == len(group['subsets']) else \
                f"{group['name']} ({len(present)}/{len(group['subsets'])})"
            modes = {r['mode'] for s in present for m in model_abbrs if (r := results[(m, s)])}
            mode = modes.pop() if len(modes) == 1 else 'mixed'
            for kind in ('naive_average', 'weighted_average'):
                cells = []
                for m in model_abbrs:
                    scored = [r for s in present if (r := results[(m, s)])]
                    if len(scored) < len(present):
                        cells.extend([MISSING] * (2 if show_stderr else 1))
                        continue
                    values = [r[_main_metric(r)] for r in scored]
                    weights = [r['num_examples'] if kind == 'weighted_average' else 1 for r in scored]
                    cells.append(round(sum(v * w for v, w in zip(values, weights)) / sum(weights), 2))
                    if show_stderr:
                        stderrs = [_stderr(r, _main_metric(r)) for r in scored]
                        known = None if None in stderrs else combined_stderr(stderrs, weights)
                        cells.append(_rounded(known))
                rows.append([name, MISSING, kind, mode, *cells])
        return rows

    def summarize(self, run_dir: RunDir, model_abbrs: Sequence[str], datasets: Sequence[Mapping[str, Any]]) -> str:
        """Write summary_<ts>.{csv,txt,md} and provenance.json; return the text table with its footer."""
        frame = self.table(run_dir, model_abbrs, datasets)
        provenance_path = run_dir.summary('csv').with_name('provenance.json')
        record = summary_provenance({(m, d['abbr']): _read_result(run_dir.results(m, d['abbr']))
                                     for m in model_abbrs for d in datasets})
        write_json_atomic(provenance_path, record)
        footer = [f'Provenance (full record: {provenance_path.name}):', *provenance_footer(record, model_abbrs)]
        write_text_atomic(run_dir.summary('csv'), frame.to_csv(index=False))
        headers, cells = _display_cells(frame)
        # 'value ± stderr' cells are text: align them right, as numbers are
        align = ['left'] * 4 + ['right'] * (len(headers) - 4) if len(headers) < len(frame.columns) else None
        table = tabulate(cells, headers=headers, tablefmt='simple', floatfmt='.2f', missingval=MISSING, colalign=align)
        text = '\n'.join([table, '', *footer])
        write_text_atomic(run_dir.summary('txt'), text + '\n')
        markdown = tabulate(cells, headers=headers, tablefmt='github', floatfmt='.2f', missingval=MISSING,
                            colalign=align)
        markdown_footer = [footer[0], '', *(f'- {line}' for line in footer[1:])]
        write_text_atomic(run_dir.summary('md'), '\n'.join([markdown, '', *markdown_footer]) + '\n')
        return text


def _display_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """The txt/md view of the table: each ``<model> stderr`` column folded into its model's cells as
    ``value ± stderr`` (one column per model reads better than two when comparing models; the csv
    keeps them apart so they stay numbers).  Missing cells become None, which tabulate shows as
    MISSING, so a column with a gap is still formatted as numbers."""
    columns = [str(c) for c in frame.columns]
    headers = [c for c in columns if not c.endswith(STDERR_SUFFIX)]
    cells = []
    for record in frame.to_dict('records'):
        row = []
        for column in headers:
            value, paired = record[column], f'{column}{STDERR_SUFFIX}' in record
            if value == MISSING:
                row.append(None)
            elif not paired:
                row.append(value)
            elif record[f'{column}{STDERR_SUFFIX}'] == MISSING:  # e.g. a result written before stderr existed
                row.append(f'{value:.2f}')
            else:
                row.append(f"{value:.2f} ± {record[f'{column}{STDERR_SUFFIX}']:.2f}")
        cells.append(row)
    return headers, cells
