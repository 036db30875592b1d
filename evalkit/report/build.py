"""Build the report of one run, and the CLI's hook that does so after every summary."""
from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir
from evalkit.report.collect import collect_run
from evalkit.report.html import write_html
from evalkit.report.plots import write_plots


def write_report(cfg: Mapping[str, Any], run_dir: RunDir) -> Path:
    """Rewrite the run's plots and ``summary/report.html`` from its files; returns the page's path.
    Needs no model: everything comes from the run folder and its config."""
    report = collect_run(cfg, run_dir)
    write_plots(report)
    return write_html(report)


def report_after_summary(cfg: Mapping[str, Any], run_dir: RunDir) -> bool:
    """Write the report and say where; on failure, say why and how to retry, and return False.

    The report comes after the results and the summary are on disk, so nothing it does may cost
    the run them: any error is reported here (with its traceback's last frame, since it would be
    a bug in the report, not in the run) and the caller decides the exit code."""
    try:
        path = write_report(cfg, run_dir)
    except Exception as exc:  # noqa: BLE001 - see the docstring: the report must never take the run down
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f'evalkit: error: the HTML report of {run_dir.root} could not be written: {type(exc).__name__}: '
              f'{exc} (at {Path(where.filename).name}:{where.lineno}). The results and the summary are intact; '
              f'fix the cause and rebuild the report with -m viz -r {run_dir.timestamp}.', file=sys.stderr)
        return False
    print(f'Report written to {path}')
    return True
