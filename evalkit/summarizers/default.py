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


@SUMMARIZERS.register_module()
class DefaultSummarizer:
    def __init__(self, summary_groups: list | None = None) -> None:
        self.summary_groups = list(summary_groups or [])

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
        rows = []
        for d in dataset_abbrs:
            known = next((r for m in model_abbrs if (r := results[(m, d)])), None)
            if known is None:
                rows.append([d, MISSING, MISSING, MISSING] + [MISSING] * len(model_abbrs))
                continue
            metric = _main_metric(known)
            rows.append([d, known['version'], metric, known['mode']]
                        + [round(r[metric], 2) if (r := results[(m, d)]) else MISSING for m in model_abbrs])
        rows.extend(self._group_rows(self.groups(datasets), results, model_abbrs, dataset_abbrs))
        return pd.DataFrame(rows, columns=['dataset', 'version', 'metric', 'mode', *model_abbrs])

    @staticmethod
    def _group_rows(groups: Sequence[Mapping[str, Any]], results: Mapping[tuple[str, str], Any],
                    model_abbrs: Sequence[str], dataset_abbrs: Sequence[str]) -> list[list[Any]]:
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
                        cells.append(MISSING)
                        continue
                    values = [r[_main_metric(r)] for r in scored]
                    weights = [r['num_examples'] if kind == 'weighted_average' else 1 for r in scored]
                    cells.append(round(sum(v * w for v, w in zip(values, weights)) / sum(weights), 2))
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
        # missing cells as None, shown as MISSING: a column with a gap is still formatted as numbers
        cells = [[None if value == MISSING else value for value in row] for row in frame.values.tolist()]
        table = tabulate(cells, headers=list(frame.columns), tablefmt='simple', floatfmt='.2f', missingval=MISSING)
        text = '\n'.join([table, '', *footer])
        write_text_atomic(run_dir.summary('txt'), text + '\n')
        markdown = tabulate(cells, headers=list(frame.columns), tablefmt='github', floatfmt='.2f', missingval=MISSING)
        markdown_footer = [footer[0], '', *(f'- {line}' for line in footer[1:])]
        write_text_atomic(run_dir.summary('md'), '\n'.join([markdown, '', *markdown_footer]) + '\n')
        return text
