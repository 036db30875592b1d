"""Needle-in-a-haystack summaries: the score over the context-length x needle-depth grid.

One number per dataset hides what a needle test is for (retrieval that holds at 1k tokens and
fails past 4k, or fails only in the middle of the context), so after the summary table every
needle dataset of the run also gets a grid: ``summary/needle_grid_<dataset>.{csv,md}`` (one line
per model and length, one column per depth) and a heatmap per model in ``summary/plots/``.  It is
built from the details the evaluation wrote (``KeywordEvaluator`` keeps each row's ``length`` and
``depth``), so it runs without a model, also on an earlier run with ``-m viz``.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.atomic import write_text_atomic
from evalkit.datasets.needlebench import NeedleBenchDataset
from evalkit.outputs import RunDir
from evalkit.registry import LOAD_DATASETS, resolve_type

Grid = dict[tuple[int, float], float]  # (length, depth) -> percent of rows answered


def write_needle_summaries(run_dir: RunDir, model_abbrs: Sequence[str],
                           datasets: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Grid tables and heatmaps for every needle dataset with details; the files written."""
    written: list[Path] = []
    for dataset in datasets:
        loader = resolve_type(dataset['type'], LOAD_DATASETS, f"dataset '{dataset['abbr']}'.type")
        if not (isinstance(loader, type) and issubclass(loader, NeedleBenchDataset)):
            continue
        grids = {m: grid for m in model_abbrs if (grid := read_grid(run_dir.details(m, dataset['abbr'])))}
        if not grids:
            continue
        summary_dir = run_dir.root / 'summary'
        csv_path, md_path = summary_dir / f"needle_grid_{dataset['abbr']}.csv", \
            summary_dir / f"needle_grid_{dataset['abbr']}.md"
        write_text_atomic(csv_path, grid_csv(grids))
        write_text_atomic(md_path, grid_markdown(dataset['abbr'], grids))
        written += [csv_path, md_path]
        for model, grid in grids.items():
            png = summary_dir / 'plots' / f"needle_heatmap_{dataset['abbr']}_{model}.png"
            plot_heatmap(grid, f"{dataset['abbr']} - {model}", png)
            written.append(png)
    return written


def read_grid(details_path: Path) -> Grid | None:
    """Mean correctness (percent) per (length, depth) from a details file; None if absent or without the grid
    columns (an evaluator that did not keep them)."""
    try:
        lines = details_path.read_text(encoding='utf-8').splitlines()
    except OSError:
        return None
    cells: dict[tuple[int, float], list[float]] = defaultdict(list)
    for line in lines:
        row = json.loads(line)
        if 'length' not in row or 'depth' not in row:
            return None
        cells[(int(row['length']), float(row['depth']))].append(100.0 * bool(row['correct']))
    return {key: sum(values) / len(values) for key, values in cells.items()} or None


def _axes(grids: Mapping[str, Grid]) -> tuple[list[int], list[float]]:
    keys = {key for grid in grids.values() for key in grid}
    return sorted({length for length, _ in keys}), sorted({depth for _, depth in keys})


def _cell(grid: Grid, length: int, depth: float) -> str:
    return f'{grid[(length, depth)]:.1f}' if (length, depth) in grid else ''


def grid_csv(grids: Mapping[str, Grid]) -> str:
    lengths, depths = _axes(grids)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\n')
    writer.writerow(['model', 'length', *(f'depth_{d:g}' for d in depths), 'average'])
    for model, grid in grids.items():
        for length in lengths:
            row = [grid[(length, d)] for d in depths if (length, d) in grid]
            writer.writerow([model, length, *(_cell(grid, length, d) for d in depths),
                             f'{sum(row) / len(row):.1f}' if row else ''])
    return buffer.getvalue()


def grid_markdown(abbr: str, grids: Mapping[str, Grid]) -> str:
    lengths, depths = _axes(grids)
    lines = [f'# {abbr}: percent of needles retrieved, by context length (tokens) and needle depth (%)', '']
    for model, grid in grids.items():
        lines += [f'## {model}', '', '| length | ' + ' | '.join(f'{d:g}%' for d in depths) + ' |',
                  '| ---: |' + ' ---: |' * len(depths)]
        lines += [f'| {length} | ' + ' | '.join(_cell(grid, length, d) for d in depths) + ' |' for length in lengths]
        lines.append('')
    return '\n'.join(lines)


def plot_heatmap(grid: Grid, title: str, path: Path) -> None:
    """Depth across, length down, red (missed) to green (found); every cell labelled with its percent."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    lengths, depths = _axes({'': grid})
    values = np.array([[grid.get((length, d), np.nan) for d in depths] for length in lengths])
    fig, ax = plt.subplots(figsize=(1.5 + 0.6 * len(depths), 1.4 + 0.45 * len(lengths)))
    image = ax.imshow(values, cmap='RdYlGn', vmin=0, vmax=100, aspect='auto')
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(j, i, f'{value:.0f}', ha='center', va='center', fontsize=8)
    ax.set_xticks(range(len(depths)), [f'{d:g}' for d in depths])
    ax.set_yticks(range(len(lengths)), [str(length) for length in lengths])
    ax.set_xlabel('needle depth (% of context)')
    ax.set_ylabel('context length (tokens)')
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label='% retrieved')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
