"""The CircularEval view of a summary: several metrics of each dataset on consecutive rows.

The default table shows one metric per dataset; for circular datasets the number that
matters is how far ``perf_circular`` (right in every option order) falls below
``acc_origin`` (right in the original order), so this view shows both, one row each, and
averages each over the summary groups.  A dataset without a listed metric (not circular)
shows its main metric once, as in the default table.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from evalkit.outputs import RunDir
from evalkit.registry import SUMMARIZERS
from evalkit.summarizers.default import (
    MISSING,
    STDERR_SUFFIX,
    DefaultSummarizer,
    _main_metric,
    _read_result,
    _rounded,
    _stderr,
)


def _as_main_metric(result: Mapping[str, Any] | None, metric: str) -> dict[str, Any] | None:
    """The result with ``metric`` (and its stderr) as its main metric, so the default group rows average it."""
    if result is None or metric not in result:
        return None
    return {**result, 'accuracy': result[metric], 'stderr': {'accuracy': _stderr(result, metric)}}


@SUMMARIZERS.register_module()
class CircularSummarizer(DefaultSummarizer):
    """``metrics``: the metrics shown for every dataset that has them, in this order."""

    def __init__(self, metrics: list | None = None, summary_groups: list | None = None,
                 show_stderr: bool = False) -> None:
        super().__init__(summary_groups, show_stderr)
        self.metrics = list(metrics or ['acc_origin', 'perf_circular'])

    def _cells(self, result: Mapping[str, Any] | None, metric: str) -> list[Any]:
        if not result or metric not in result:
            return [MISSING] * (2 if self.show_stderr else 1)
        return [round(result[metric], 2), *([_rounded(_stderr(result, metric))] if self.show_stderr else [])]

    def table(self, run_dir: RunDir, model_abbrs: Sequence[str], datasets: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        dataset_abbrs = [d['abbr'] for d in datasets]
        results = {(m, d): _read_result(run_dir.results(m, d)) for m in model_abbrs for d in dataset_abbrs}
        rows = []
        for d in dataset_abbrs:
            known = next((r for m in model_abbrs if (r := results[(m, d)])), None)
            if known is None:
                rows.append([d, MISSING, MISSING, MISSING, *self._cells(None, '') * len(model_abbrs)])
                continue
            for metric in [m for m in self.metrics if m in known] or [_main_metric(known)]:
                rows.append([d, known['version'], metric, known['mode'],
                             *(cell for m in model_abbrs for cell in self._cells(results[(m, d)], metric))])
        projected = {metric: {key: _as_main_metric(r, metric) for key, r in results.items()}
                     for metric in self.metrics}
        for group in self.groups(datasets):
            for metric in self.metrics:
                for row in self._group_rows([group], projected[metric], model_abbrs, dataset_abbrs,
                                            show_stderr=self.show_stderr):
                    if any(cell != MISSING for cell in row[4:]):
                        row[2] = f'{metric} {row[2]}'
                        rows.append(row)
        model_columns = [c for m in model_abbrs for c in ([m, f'{m}{STDERR_SUFFIX}'] if self.show_stderr else [m])]
        return pd.DataFrame(rows, columns=['dataset', 'version', 'metric', 'mode', *model_columns])
