"""MATH (Hendrycks et al.): competition mathematics with worked solutions ending in ``\\boxed{answer}``.

Two loaders, one per release:

* ``MATHDataset``, the full set.  Local layout (as released): ``math/{train,test}/{subject}/{n}.json``,
  one problem per file with fields problem, level, type, solution; ``name`` picks one subject
  folder (all seven when None).  The gold answer is the solution's last ``\\boxed{}``, which the
  config's ``MathAnswer`` dataset postprocessor extracts (the same code reads the prediction).
* ``MATH500Dataset``, the 500 test problems held out by PRM800K.  Local layout (as released):
  ``math500/test.jsonl`` with fields problem, solution, answer, subject, level, unique_id.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import data_roots
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

MATH_SUBJECTS = ('algebra', 'counting_and_probability', 'geometry', 'intermediate_algebra', 'number_theory',
                 'prealgebra', 'precalculus')
_SPLITS = ('train', 'test')
_FIELDS = ('problem', 'level', 'type', 'solution')


@LOAD_DATASETS.register_module()
class MATHDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        """Every problem file, keyed '<split>/<subject>/<file>', as found under the first data root
        that has the test split (the layout is a folder per subject, so the files must be listed)."""
        subjects = [name] if name else MATH_SUBJECTS
        for root in data_roots():
            if (root / path / 'test').is_dir():
                return {f'{split}/{subject}/{file.name}': str(file.relative_to(root))
                        for split in _SPLITS for subject in subjects
                        for file in sorted((root / path / split / subject).glob('*.json'),
                                           key=_problem_number)}
        return {}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if not files:
            return _load_hub_subjects([name] if name else list(MATH_SUBJECTS), path)
        splits: dict[str, list[dict[str, Any]]] = {split: [] for split in _SPLITS}
        for key, file in files.items():
            splits[key.split('/')[0]].append(_read_problem(file))
        return to_dataset_dict(splits)


def _problem_number(file: Path) -> tuple[int, str]:
    return (int(file.stem), '') if file.stem.isdigit() else (-1, file.stem)


def _read_problem(file: Path) -> dict[str, str]:
    try:
        raw = json.loads(file.read_text(encoding='utf-8'))
    except ValueError as exc:
        raise ConfigError(f"Data file '{file}': not valid JSON ({exc}). Fix or remove that file.") from None
    missing = [f for f in _FIELDS if f not in raw]
    if missing:
        raise ConfigError(f"Data file '{file}': missing field(s) {missing}; a MATH problem file has "
                          f"{', '.join(_FIELDS)}.")
    return _row(raw)


def _row(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {'problem': raw['problem'], 'solution': raw['solution'], 'subject': raw['type'],
            'level': raw['level']}


def _load_hub_subjects(subjects: list[str], path: str) -> DatasetDict:
    """The hub copy is one config per subject; a whole-benchmark load joins them in MATH's subject order."""
    loaded = [load_from_hub('EleutherAI/hendrycks_math', subject, lambda ds: ds,
                            f'{path}/{{train,test}}/{subject}/') for subject in subjects]
    return to_dataset_dict({split: [_row(r) for ds in loaded for r in ds[split]] for split in _SPLITS})


@LOAD_DATASETS.register_module()
class MATH500Dataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'test': f'{path}/test.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('HuggingFaceH4/MATH-500', name, lambda ds: ds, f'{path}/test.jsonl')
        return to_dataset_dict({'test': read_jsonl_rows(files['test'], ['problem', 'solution', 'answer'])})
