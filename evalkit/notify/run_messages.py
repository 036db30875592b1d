"""What a run says to its webhook: that it started, that a task failed, and how it ended with the
headline numbers (the summary's group rows when it has any, else its dataset rows)."""
from __future__ import annotations

import csv
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.notify.webhook import Message, WebhookNotifier
from evalkit.outputs import RunDir
from evalkit.runners.base import TaskOutcome, log_tail

HEADLINE_ROWS = 12
FAILURE_LOG_LINES = 5
SUMMARY_KEYS = ('dataset', 'version', 'metric', 'mode')


def headline(run_dir: RunDir, limit: int = HEADLINE_ROWS) -> list[dict[str, Any]]:
    """The summary CSV's group rows (or dataset rows when there are no groups), first ``limit``."""
    try:
        with open(run_dir.summary('csv'), encoding='utf-8', newline='') as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return []
    groups = [r for r in rows if r.get('version') == '-' and r.get('dataset')]
    scores = [{'dataset': r['dataset'], 'metric': r.get('metric', ''),
               'scores': {k: v for k, v in r.items() if k not in SUMMARY_KEYS}} for r in (groups or rows)]
    return scores[:limit]


class RunNotifier:
    """Turns run events into messages for one webhook (or for none: then every call does nothing)."""

    def __init__(self, sender: WebhookNotifier | None) -> None:
        self.sender = sender
        self.run = ''

    def started(self, run_dir: RunDir, cfg: Mapping[str, Any]) -> None:
        self.run = run_dir.timestamp
        models, datasets = [m['abbr'] for m in cfg['models']], [d['abbr'] for d in cfg['datasets']]
        self._send(Message('start', f'evalkit run {self.run} started on {socket.gethostname()}: '
                                    f'{len(models)} model(s) ({", ".join(models)}) x {len(datasets)} dataset(s).',
                           {'run': self.run, 'models': models, 'datasets': len(datasets)}))

    def task_failed(self, outcome: TaskOutcome) -> None:
        tail = log_tail(outcome.log_path, FAILURE_LOG_LINES)
        self._send(Message('task_failed', f'evalkit run {self.run}: task {outcome.spec.name} failed '
                                          f'(exit code {outcome.returncode}).\n{tail}',
                           {'run': self.run, 'task': outcome.spec.name, 'exit_code': outcome.returncode}))

    def finished(self, run_dir: RunDir, failures: Sequence[TaskOutcome]) -> None:
        """The end message, then at most the sender's timeout of waiting for messages in flight."""
        rows = headline(run_dir)
        lines = [f"{r['dataset']} {r['metric']}: " + ', '.join(f'{m} {v}' for m, v in r['scores'].items())
                 for r in rows]
        status = f'{len(failures)} task(s) failed' if failures else 'all tasks succeeded'
        self._send(Message('end', '\n'.join([f'evalkit run {run_dir.timestamp} finished: {status}.', *lines]),
                           {'run': run_dir.timestamp, 'failed_tasks': len(failures), 'headline': rows}))
        if self.sender is not None:
            self.sender.wait()

    def _send(self, message: Message) -> None:
        if self.sender is not None:
            self.sender.send(message)
