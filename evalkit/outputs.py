"""The layout of one run's output folder: ``outputs/<exp>/<timestamp>/``.

Every stage reads and writes through these paths, so the layout is defined once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUBDIRS = ('configs', 'predictions', 'results', 'summary', 'logs')


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

    def task_log(self, kind: str, label: str) -> Path:
        return self.root / 'logs' / kind / f'{label}.log'

    def task_spec(self, kind: str, label: str) -> Path:
        return self.root / 'configs' / 'tasks' / kind / f'{label}.json'

    def summary(self, suffix: str) -> Path:
        return self.root / 'summary' / f'summary_{self.timestamp}.{suffix}'
