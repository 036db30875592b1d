"""Render a ``RunReport`` as ``summary/report.html``: one self-contained file.

The page must open anywhere a run folder is copied (a laptop, a mail attachment, a machine
without network), so everything is inside it: the style and script are inlined from
``templates/``, every PNG in ``summary/plots/`` becomes a data URI, and the samples travel as one
JSON blob that the script renders a page at a time.  A Content-Security-Policy forbids any other
source, so a later edit that reaches for the network fails visibly instead of silently.
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from evalkit.atomic import write_text_atomic
from evalkit.report.collect import RunReport, plots_dir, report_path

TEMPLATES = 'templates'


@dataclass(frozen=True)
class EmbeddedPlot:
    name: str
    uri: str


def embedded_plots(folder: Path) -> list[EmbeddedPlot]:
    """Every PNG in ``folder`` (the report's own and those of other stages), by name, as data URIs."""
    if not folder.is_dir():
        return []
    return [EmbeddedPlot(p.name, 'data:image/png;base64,' + base64.b64encode(p.read_bytes()).decode('ascii'))
            for p in sorted(folder.glob('*.png'))]


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(TEMPLATES, name).read_text(encoding='utf-8')


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader(__package__, TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)


def render_report(report: RunReport) -> str:
    """The page's HTML (the plots are read from the run's ``summary/plots/`` as they are now)."""
    # The stylesheet and script are inserted verbatim: rendering them as templates would treat
    # any brace pair in CSS or JavaScript as template syntax.
    return _environment().get_template('report.html.j2').render(
        report=report, samples=report.samples.to_json(), plots=embedded_plots(plots_dir(report.run_dir)),
        style=Markup(_asset('report.css')), script=Markup(_asset('report.js')),
        written=time.strftime('%Y-%m-%d %H:%M:%S'))


def write_html(report: RunReport) -> Path:
    path = report_path(report.run_dir)
    write_text_atomic(path, render_report(report))
    return path
