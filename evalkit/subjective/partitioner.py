"""The subjective partitioner: judge tasks pairing each judge with the answers it grades."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.config.plain import to_plain
from evalkit.partitioners.base import num_gpus_of
from evalkit.registry import PARTITIONERS
from evalkit.subjective.settings import JudgeSettings, dataset_judging, subjective, subjects
from evalkit.tasks.spec import TaskSpec


@PARTITIONERS.register_module()
class SubjectivePartitioner:
    """One task per judge and group of ``n`` judged datasets (the judge loads once per task).

    A task's ``extra`` carries the candidates' configs (to find and check their predictions), the
    subjects of each dataset (models alone, or (model, opponent) pairs, as the mode says) and the
    run's judge section.  Only called with the models whose predictions are complete."""

    def __init__(self, n: int = 16) -> None:
        if n < 1:
            raise ValueError(f'SubjectivePartitioner.n must be >= 1, got {n}')
        self.n = n

    def partition(self, judges: Sequence[Mapping[str, Any]], models: Sequence[Mapping[str, Any]],
                  datasets: Sequence[Mapping[str, Any]], work_dir: str,
                  settings: JudgeSettings) -> list[TaskSpec]:
        graded = subjective(datasets)
        abbrs = [m['abbr'] for m in models]
        per_dataset = {ds['abbr']: [list(s) for s in subjects(dataset_judging(ds, settings).mode, abbrs,
                                                               settings.base_models)] for ds in graded}
        section = {'mode': settings.mode, 'base_models': list(settings.base_models), 'parser': dict(settings.parser)}
        extra = {'candidates': {m['abbr']: to_plain(m) for m in models}, 'subjects': per_dataset, 'judge': section}
        return [TaskSpec(kind='judge', work_dir=work_dir, model=to_plain(judge),
                         datasets=tuple(to_plain(ds) for ds in graded[start:start + self.n]),
                         num_gpus=num_gpus_of(judge), extra=extra)
                for judge in judges for start in range(0, len(graded), self.n)]
