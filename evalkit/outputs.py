"""The layout of one run's output folder: ``outputs/<exp>/<timestamp>/``.

Every stage reads and writes through these paths, so the layout is defined once.  A
new run claims its folder with an exclusive ``mkdir``: two runs started in the same
second get ``<timestamp>`` and ``<timestamp>_1``, never one shared folder.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

SUBDIRS = ('configs', 'predictions', 'results', 'summary', 'logs')
RUN_NAME = re.compile(r'(\d{8}_\d{6})(?:_(\d+))?')
MAX_SAME_SECOND_RUNS = 1000


def run_stamp() -> str:
    """The name of a run started now (before any same-second suffix)."""
    return time.strftime('%Y%m%d_%H%M%S')


@dataclass(frozen=True)
class RunDir:
    root: Path

    def create(self) -> RunDir:
        for sub in SUBDIRS:
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        return self

    @property
    def timestamp(self) -> str:
        return self.root.name

    def predictions(self, model_abbr: str, dataset_abbr: str) -> Path:
        return self.root / 'predictions' / model_abbr / f'{dataset_abbr}.jsonl'

    def shard_dir(self, model_abbr: str, dataset_abbr: str) -> Path:
        """Predictions of a dataset split across tasks, one file per row range, until they are merged."""
        return self.root / 'predictions' / model_abbr / f'{dataset_abbr}.shards'

    def shard_predictions(self, model_abbr: str, dataset_abbr: str, rows: tuple[int, int]) -> Path:
        return self.shard_dir(model_abbr, dataset_abbr) / f'{rows[0]}-{rows[1]}.jsonl'

    def results(self, model_abbr: str, dataset_abbr: str) -> Path:
        return self.root / 'results' / model_abbr / f'{dataset_abbr}.json'

    def details(self, model_abbr: str, dataset_abbr: str) -> Path:
        return self.root / 'results' / model_abbr / f'{dataset_abbr}.details.jsonl'

    def scored(self) -> list[tuple[str, str]]:
        """(model, dataset) of every results file, for readers that know the folder but not its config."""
        files = sorted((self.root / 'results').glob('*/*.json'))
        return [(path.parent.name, path.stem) for path in files if self.results(path.parent.name, path.stem) == path]

    def task_log(self, kind: str, label: str) -> Path:
        return self.root / 'logs' / kind / f'{label}.log'

    def server_logs(self, server: str) -> Path:
        """Logs of a server a task starts for its model (``-a vllm``), beside the task logs."""
        return self.root / 'logs' / server

    def api_cache(self) -> Path:
        """Answers an API model already paid for, one file per model, so ``-r`` sends no request twice."""
        return self.root / 'api_cache'

    def task_spec(self, kind: str, label: str) -> Path:
        return self.root / 'configs' / 'tasks' / kind / f'{label}.json'

    def summary(self, suffix: str) -> Path:
        return self.root / 'summary' / f'summary_{self.timestamp}.{suffix}'

    def judgements(self, judge_abbr: str, subject: str, dataset_abbr: str) -> Path:
        """A judge's judgements of one subject (a model, or ``model_vs_opponent``) on one dataset."""
        return self.root / 'judgements' / judge_abbr / subject / f'{dataset_abbr}.jsonl'

    def judgement_details(self, judge_abbr: str, subject: str, dataset_abbr: str) -> Path:
        """The judgements with what the summary read from each (score or verdict, or a parse failure)."""
        return self.root / 'judgements' / judge_abbr / subject / f'{dataset_abbr}.details.jsonl'

    def subjective_summary(self, suffix: str) -> Path:
        return self.root / 'summary' / f'subjective_{self.timestamp}.{suffix}'


def run_order(name: str) -> tuple[str, int]:
    """Sort key of run folder names: by timestamp, then by the same-second suffix as a number."""
    match = RUN_NAME.fullmatch(name)
    return (match.group(1), int(match.group(2) or 0)) if match else (name, 0)


def earlier_runs(work_dir: Path) -> list[Path]:
    """The run folders under ``work_dir``, oldest first (``-r latest`` takes the last)."""
    if not work_dir.is_dir():
        return []
    return sorted((p for p in work_dir.iterdir() if p.is_dir()), key=lambda p: run_order(p.name))


def claim_new_run_dir(work_dir: Path) -> RunDir:
    """Create a run folder no other run can share: the current second, plus ``_N`` if it is taken."""
    work_dir.mkdir(parents=True, exist_ok=True)
    stamp = run_stamp()
    for n in range(MAX_SAME_SECOND_RUNS):
        root = work_dir / (stamp if n == 0 else f'{stamp}_{n}')
        try:
            root.mkdir()
        except FileExistsError:
            continue
        return RunDir(root).create()
    raise FileExistsError(f'{work_dir}: {MAX_SAME_SECOND_RUNS} runs already started in second {stamp}')
