"""Render a run comparison: Markdown for the terminal (and for pasting), or one self-contained HTML page.

Both show the same three parts: the score table (one column per run and model, deltas against the
baseline), the pairs that are not comparable and why, and the questions whose verdict changed.
The HTML page has its CSS inline and loads nothing, so it can be mailed or opened offline.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from evalkit.report.compare_runs import ChangedRow, Column, Comparison

TEMPLATE_DIR = Path(__file__).resolve().parent / 'templates'
ANSWER_CHARS = 80
NOT_COMPARABLE_MARK = '⚠'


def score_cell(comparison: Comparison, dataset: str, metric: str, column: Column) -> str:
    """``52.50 (+2.50)``; ``-`` when the column has no such result; marked when not comparable."""
    value = comparison.values.get((dataset, metric, column))
    if value is None:
        return '-'
    delta = comparison.delta(dataset, metric, column)
    text = f'{value:.2f}' + ('' if delta is None else f' ({delta:+.2f})')
    return f'{text} {NOT_COMPARABLE_MARK}' if (dataset, column) in comparison.not_comparable else text


def _short(text: str, limit: int = ANSWER_CHARS) -> str:
    flat = ' '.join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + '…'


def _md(text: str) -> str:
    return text.replace('|', '\\|')


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    return lines + ['| ' + ' | '.join(_md(c) for c in row) + ' |' for row in rows]


def changed_summary(rows: list[ChangedRow]) -> str:
    fixed = sum(r.now_correct for r in rows)
    return f'{fixed} now right, {len(rows) - fixed} now wrong'


def to_markdown(comparison: Comparison) -> str:
    lines = [f'# Comparing {len(comparison.runs)} runs (baseline: the first)', '']
    lines += [f'{i + 1}. `{run.root}`' for i, run in enumerate(comparison.runs)]
    lines += ['', '## Scores', '']
    header = ['dataset', 'metric', *(c.label for c in comparison.columns)]
    lines += _md_table(header, [[d, m, *(score_cell(comparison, d, m, c) for c in comparison.columns)]
                                for d, m in comparison.rows])
    if comparison.not_comparable:
        lines += ['', f'## Not comparable ({NOT_COMPARABLE_MARK})', '',
                  'These numbers are shown but do not measure the same thing as the baseline, and their '
                  'questions are not compared:', '']
        lines += [f'- {dataset}, {column.label} vs {comparison.baseline[(dataset, column)].label}: '
                  + '; '.join(reasons) for (dataset, column), reasons in comparison.not_comparable.items()]
    lines += ['', '## Questions whose verdict changed', '']
    changed = {key: rows for key, rows in comparison.changed.items() if rows}
    if not changed:
        lines.append('None: every comparable question got the same verdict.')
    for (dataset, column), rows in changed.items():
        base = comparison.baseline[(dataset, column)]
        lines += [f'### {dataset}: {base.label} -> {column.label} ({changed_summary(rows)})', '']
        lines += _md_table(['row', 'question', 'before', 'after', 'now'],
                           [[str(r.index), _short(r.question, 200), _short(r.before), _short(r.after),
                             'right' if r.now_correct else 'wrong'] for r in rows])
        lines.append('')
    return '\n'.join(lines).rstrip() + '\n'


def to_html(comparison: Comparison) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.get_template('compare_runs.html.j2')
    return template.render(comparison=comparison, score_cell=score_cell, short=_short,
                           changed={k: v for k, v in comparison.changed.items() if v},
                           changed_summary=changed_summary, mark=NOT_COMPARABLE_MARK)
