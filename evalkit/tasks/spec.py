"""What the partitioner hands the runner: a frozen, serialisable description of one task.

Specs are written to a JSON file and executed as ``python -m evalkit.tasks.<kind> SPEC``,
so local processes, Slurm jobs and in-process debug runs share one code path.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalkit.config.plain import to_plain

TASK_KINDS = ('infer', 'eval')


@dataclass(frozen=True)
class TaskSpec:
    kind: str
    work_dir: str
    model: dict[str, Any]
    datasets: tuple[dict[str, Any], ...]
    num_gpus: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in TASK_KINDS:
            raise ValueError(f'task kind must be one of {TASK_KINDS}, got {self.kind!r}')

    @property
    def model_abbr(self) -> str:
        return self.model['abbr']

    @property
    def label(self) -> str:
        """File-name-safe name: ``<model>/<dataset>`` or ``<model>/<first>+<n>more``."""
        first = self.datasets[0]['abbr']
        more = f'+{len(self.datasets) - 1}more' if len(self.datasets) > 1 else ''
        return f'{self.model_abbr}/{first}{more}'

    @property
    def name(self) -> str:
        return f'{self.kind}:{self.label}'

    def dump(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(to_plain(asdict(self)), indent=1, ensure_ascii=False), encoding='utf-8')
        return path

    @classmethod
    def load(cls, path: Path) -> TaskSpec:
        raw = json.loads(Path(path).read_text(encoding='utf-8'))
        raw['datasets'] = tuple(raw['datasets'])
        return cls(**raw)
