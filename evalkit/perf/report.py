"""What a stress test leaves behind: a table on screen, ``perf_summary.json``, per-request JSONL, plots.

Layout of the output folder::

    perf_summary.json              run settings + one summary per load level (seconds)
    requests_<level>.jsonl         one record per request (timings, tokens, error kind)
    plots/latency_cdf.png          e2el and TTFT CDFs, one curve per level
    plots/ttft_histogram.png       TTFT histogram per level
    plots/throughput.png           request and output-token throughput per level (the saturation curve)
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tabulate import tabulate
from tqdm import tqdm

from evalkit.atomic import atomic_writer, write_json_atomic
from evalkit.perf.load import LevelResult

MS = 1000.0


def progress_bar(total: int | None, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit='req', leave=False, mininterval=0.5)


def _ms(value: float | None) -> str:
    return '-' if value is None else f'{value * MS:.1f}'


def table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per level: counts, throughputs, and latency means/p99 in milliseconds."""
    headers = ['level', 'ok', 'failed', 'req/s', 'out tok/s', 'tot tok/s', 'goodput', 'TTFT ms mean/p99',
               'TPOT ms mean/p99', 'ITL ms mean/p99', 'E2EL ms mean/p99']
    rows = []
    for name, s in summaries.items():
        failed = ', '.join(f'{k}:{v}' for k, v in s['failed'].items()) or '0'
        goodput = f"{s['goodput']:.2f}" if 'goodput' in s else '-'
        rows.append([name, s['completed'], failed, f"{s['request_throughput']:.2f}", f"{s['output_throughput']:.1f}",
                     f"{s['total_throughput']:.1f}", goodput,
                     *(f"{_ms(s[m]['mean'])}/{_ms(s[m]['p99'])}" for m in ('ttft', 'tpot', 'itl', 'e2el'))])
    return tabulate(rows, headers=headers, tablefmt='simple')


def write_outputs(out_dir: Path, settings: Mapping[str, Any], results: Sequence[LevelResult],
                  summaries: Mapping[str, Mapping[str, Any]]) -> None:
    """``perf_summary.json``, the request records and the plots, written into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    levels = {r.level.name: {'level': {k: v for k, v in vars(r.level).items() if v is not None}, **summaries[r.level.name]}
              for r in results}
    write_json_atomic(out_dir / 'perf_summary.json', {'settings': dict(settings), 'levels': levels})
    for result in results:
        with atomic_writer(out_dir / f'requests_{result.level.name}.jsonl') as fh:
            for record in result.records:
                fh.write(json.dumps(record.to_json()) + '\n')
    write_plots(out_dir / 'plots', results, summaries)


def write_plots(plot_dir: Path, results: Sequence[LevelResult], summaries: Mapping[str, Mapping[str, Any]]) -> None:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    plot_dir.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for result in results:
        ok = [r for r in result.records if r.ok]
        for ax, metric in zip(axes, ('e2el', 'ttft')):
            values = np.sort([getattr(r, metric) * MS for r in ok])
            if len(values):
                ax.step(values, np.arange(1, len(values) + 1) / len(values), where='post', label=result.level.name)
    for ax, metric in zip(axes, ('end-to-end latency', 'TTFT')):
        ax.set(xlabel=f'{metric} (ms)', ylabel='fraction of requests', title=f'{metric} CDF')
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, plot_dir / 'latency_cdf.png')

    fig, ax = plt.subplots(figsize=(6, 4))
    for result in results:
        ttfts = [r.ttft * MS for r in result.records if r.ok and r.ttft is not None]
        if ttfts:
            ax.hist(ttfts, bins=30, alpha=0.5, label=result.level.name)
    ax.set(xlabel='TTFT (ms)', ylabel='requests', title='Time to first token')
    ax.legend()
    _save(fig, plot_dir / 'ttft_histogram.png')

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [r.level.parallel if r.level.parallel is not None else r.level.rate for r in results]
    ax.plot(xs, [summaries[r.level.name]['request_throughput'] for r in results], 'o-', label='requests/s')
    ax.set(xlabel='concurrency' if results and results[0].level.parallel is not None else 'arrival rate (req/s)',
           ylabel='requests/s', title='Throughput vs load')
    twin = ax.twinx()
    twin.plot(xs, [summaries[r.level.name]['output_throughput'] for r in results], 's--', color='tab:orange',
              label='output tokens/s')
    twin.set_ylabel('output tokens/s')
    fig.legend(loc='upper left')
    _save(fig, plot_dir / 'throughput.png')


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
