"""Read a run folder into plain data for the report: the summary table, per-row samples, provenance.

Everything comes from files the run wrote (results, details, predictions, ``summary/provenance.json``)
and from the run's config (for its models, datasets and summary groups), never from a model, so a
report can be rebuilt for any earlier run.  The table is computed by the run's own summarizer, so
its numbers and group rows are exactly those of the text summary.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.config.validation import summarizer_config
from evalkit.outputs import RunDir
from evalkit.registry import SUMMARIZERS, build, resolve_type
from evalkit.report.samples import SampleSet, collect_samples
from evalkit.summarizers.default import MISSING, STDERR_SUFFIX, DefaultSummarizer

GROUP_METRICS = ('naive_average', 'weighted_average')


@dataclass(frozen=True)
class TableRow:
    """One line of the summary table: a dataset's main metric, or a group's average, for every model."""

    name: str
    version: str
    metric: str
    mode: str
    values: dict[str, float | None]   # model -> value in percent (None: no result)
    stderrs: dict[str, float | None]  # model -> standard error, same unit (None: unknown)

    @property
    def is_group(self) -> bool:
        return self.metric in GROUP_METRICS


@dataclass(frozen=True)
class RunReport:
    """What the report shows of one run, as plain data (rendering and plotting read only this)."""

    run_dir: RunDir
    models: list[str]
    datasets: list[str]
    rows: list[TableRow]
    samples: SampleSet
    provenance: dict[str, Any]

    @property
    def dataset_rows(self) -> list[TableRow]:
        return [r for r in self.rows if not r.is_group]

    @property
    def group_rows(self) -> list[TableRow]:
        return [r for r in self.rows if r.is_group]

    @property
    def title(self) -> str:
        return f'{self.run_dir.root.parent.name} / {self.run_dir.timestamp}'


def _number(cell: Any) -> float | None:
    return None if cell == MISSING or cell is None else float(cell)


def table_summarizer(cfg: Mapping[str, Any]) -> DefaultSummarizer:
    """The run's summarizer with standard errors shown; a summarizer that is no table of datasets x
    models (it writes its own files) leaves the report the default table of the same results."""
    own = summarizer_config(cfg)
    if issubclass(resolve_type(own['type'], SUMMARIZERS, 'summarizer.type'), DefaultSummarizer):
        return build({**own, 'show_stderr': True}, SUMMARIZERS, 'summarizer')
    return DefaultSummarizer(show_stderr=True)


def summary_rows(cfg: Mapping[str, Any], run_dir: RunDir) -> list[TableRow]:
    """The run's summary table (as ``table_summarizer`` computes it) as ``TableRow``s."""
    summarizer = table_summarizer(cfg)
    models = [m['abbr'] for m in cfg['models']]
    frame = summarizer.table(run_dir, models, cfg['datasets'])
    return [TableRow(name=str(rec['dataset']), version=str(rec['version']), metric=str(rec['metric']),
                     mode=str(rec['mode']), values={m: _number(rec[m]) for m in models},
                     stderrs={m: _number(rec.get(f'{m}{STDERR_SUFFIX}')) for m in models})
            for rec in frame.to_dict('records')]


def read_provenance(run_dir: RunDir) -> dict[str, Any]:
    """``summary/provenance.json`` as the summarizer wrote it ({} for a run summarised before it existed)."""
    path = run_dir.root / 'summary' / 'provenance.json'
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        return {}


def collect_run(cfg: Mapping[str, Any], run_dir: RunDir) -> RunReport:
    """Everything the report shows of ``run_dir``, evaluated with ``cfg`` (the run's config)."""
    models = [m['abbr'] for m in cfg['models']]
    datasets = [d['abbr'] for d in cfg['datasets']]
    return RunReport(run_dir=run_dir, models=models, datasets=datasets, rows=summary_rows(cfg, run_dir),
                     samples=collect_samples(run_dir, models, datasets), provenance=read_provenance(run_dir))


def report_path(run_dir: RunDir) -> Path:
    return run_dir.root / 'summary' / 'report.html'


def plots_dir(run_dir: RunDir) -> Path:
    """Where every stage puts its PNG plots; the report embeds all of them."""
    return run_dir.root / 'summary' / 'plots'
