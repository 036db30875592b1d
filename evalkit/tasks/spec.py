"""What the partitioner hands the runner: a frozen, serialisable description of one task.

Specs are written to a JSON file and executed as ``python -m evalkit.tasks.<kind> SPEC``,
so local processes, Slurm jobs and in-process debug runs share one code path.

An inference task may cover only some rows of a dataset (a shard): ``row_ranges[i]``
is the ``[start, stop)`` slice of the test rows of ``datasets[i]`` it predicts, or
None for all of them.  Shards write their own prediction files, which are merged into
the dataset's one file before evaluation (``evalkit.tasks.shards``).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalkit.config.plain import to_plain
from evalkit.config.secrets import redact

TASK_KINDS = ('infer', 'eval', 'judge')
RowRange = tuple[int, int]


def part_name(abbr: str, rows: RowRange | None) -> str:
    """``abbr`` for a whole dataset, ``abbr_START-STOP`` for a shard (safe in file names)."""
    return abbr if rows is None else f'{abbr}_{rows[0]}-{rows[1]}'


@dataclass(frozen=True)
class TaskSpec:
    kind: str
    work_dir: str
    model: dict[str, Any]
    datasets: tuple[dict[str, Any], ...]
    num_gpus: int = 0
    row_ranges: tuple[RowRange | None, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in TASK_KINDS:
            raise ValueError(f'task kind must be one of {TASK_KINDS}, got {self.kind!r}')
        if self.row_ranges and len(self.row_ranges) != len(self.datasets):
            raise ValueError(f'row_ranges has {len(self.row_ranges)} entries for {len(self.datasets)} datasets')
        if self.row_ranges and self.kind != 'infer':
            raise ValueError('only inference tasks can cover part of a dataset (row_ranges)')

    @property
    def model_abbr(self) -> str:
        return self.model['abbr']

    def parts(self) -> list[tuple[dict[str, Any], RowRange | None]]:
        """(dataset config, row range or None for all rows) for each dataset of the task."""
        return list(zip(self.datasets, self.row_ranges or (None,) * len(self.datasets)))

    @property
    def part_names(self) -> list[str]:
        return [part_name(ds['abbr'], rows) for ds, rows in self.parts()]

    @property
    def label(self) -> str:
        """File-name-safe name: ``<model>/<dataset>`` or ``<model>/<first>+<n>more``."""
        names = self.part_names
        more = f'+{len(names) - 1}more' if len(names) > 1 else ''
        return f'{self.model_abbr}/{names[0]}{more}'

    @property
    def name(self) -> str:
        return f'{self.kind}:{self.label}'

    def dump(self, path: Path) -> Path:
        """Write the spec; ``ENV:`` references stay references (the task resolves them in memory)
        and anything that still looks like a literal secret is redacted, as in dumped configs."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(redact(to_plain(asdict(self))), indent=1, ensure_ascii=False), encoding='utf-8')
        return path

    @classmethod
    def load(cls, path: Path) -> TaskSpec:
        raw = json.loads(Path(path).read_text(encoding='utf-8'))
        raw['datasets'] = tuple(raw['datasets'])
        raw['row_ranges'] = tuple(None if r is None else (r[0], r[1]) for r in raw.get('row_ranges') or ())
        return cls(**raw)
