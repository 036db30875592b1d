"""The report's own plots, as PNG files in ``summary/plots/`` (for pasting into papers and chats).

* ``datasets.png``: every dataset's main metric, one bar per model, with its standard error.
* ``radar_<benchmark>.png``: a benchmark's category averages (C-Eval, MMLU, CMMLU groups such as
  ``ceval-stem``), one polygon per model, where the run has at least three categories.

Plots other stages wrote into the same folder (arena ratings, needle heatmaps, ...) are left alone;
the HTML report embeds every PNG it finds there.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use('Agg')  # files only: never look for a display

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

from evalkit.atomic import atomic_writer  # noqa: E402
from evalkit.report.collect import RunReport, TableRow, plots_dir  # noqa: E402

MIN_RADAR_AXES = 3  # fewer categories make a line or a point, not a shape worth reading
DPI = 110


def _save(fig: Figure, path: Path) -> Path:
    with atomic_writer(path, binary=True) as fh:
        fig.savefig(fh, format='png', dpi=DPI, bbox_inches='tight')
    plt.close(fig)
    return path


def dataset_bars(report: RunReport, path: Path) -> Path:
    """Horizontal bars (many datasets read better down a page than across it), grouped by dataset."""
    rows = report.dataset_rows
    models = report.models
    bar = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.22 * len(rows) * max(1, len(models) * 0.7)))
    for k, model in enumerate(models):
        ys = [i + (k - (len(models) - 1) / 2) * bar for i in range(len(rows))]
        values = [r.values[model] or 0.0 for r in rows]
        errors = [r.stderrs[model] or 0.0 for r in rows]
        ax.barh(ys, values, height=bar, xerr=errors, label=model, capsize=2, error_kw={'elinewidth': 0.8})
    ax.set_yticks(range(len(rows)), [f'{r.name} ({r.metric})' for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first dataset on top, as in the table, without empty bands
    ax.set_xlim(0, 100)
    ax.set_xlabel('score (%), bars: ± standard error')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(loc='lower right', fontsize=8)
    ax.set_title(f'Per-dataset scores: {report.title}', fontsize=10)
    return _save(fig, path)


def category_groups(rows: Sequence[TableRow]) -> dict[str, list[TableRow]]:
    """Category averages by benchmark: ``ceval-stem`` is category ``stem`` of ``ceval`` (plain averages;
    a partial group such as ``ceval-stem (3/20)`` keeps its note)."""
    found: dict[str, list[TableRow]] = {}
    for row in rows:
        head = row.name.split(' ')[0]
        if row.metric == 'naive_average' and '-' in head:
            found.setdefault(head.split('-')[0], []).append(row)
    return {bench: cats for bench, cats in found.items() if len(cats) >= MIN_RADAR_AXES}


def radar(benchmark: str, categories: Sequence[TableRow], models: Sequence[str], path: Path) -> Path:
    labels = [row.name.split('-', 1)[1] for row in categories]
    angles = [2 * math.pi * k / len(labels) for k in range(len(labels))]
    fig, ax = plt.subplots(figsize=(6, 6), subplot_kw={'projection': 'polar'})
    for model in models:
        values = [row.values[model] or 0.0 for row in categories]
        ax.plot([*angles, angles[0]], [*values, values[0]], label=model, linewidth=1.5)
        ax.fill([*angles, angles[0]], [*values, values[0]], alpha=0.15)
    ax.set_xticks(angles, labels, fontsize=9)
    ax.set_ylim(0, 100)
    ax.set_title(f'{benchmark}: category averages (%)', fontsize=11, pad=18)
    ax.legend(loc='upper right', bbox_to_anchor=(1.3, 1.1), fontsize=8)
    return _save(fig, path)


def write_plots(report: RunReport) -> list[Path]:
    """The report's PNGs, rewritten from the current results; returns their paths."""
    folder = plots_dir(report.run_dir)
    written = []
    if report.dataset_rows:
        written.append(dataset_bars(report, folder / 'datasets.png'))
    for benchmark, categories in category_groups(report.group_rows).items():
        written.append(radar(benchmark, categories, report.models, folder / f'radar_{benchmark}.png'))
    return written
