"""ARC (AI2 Reasoning Challenge): grade-school science questions, Challenge and Easy sets.

Local layout (as released): ``arc/{name}/{name}-{Train,Dev,Test}.jsonl`` with ``name`` ARC-Challenge
or ARC-Easy; fields id, question {stem, choices [{text, label}]}, answerKey.  Most questions have 4
choices, a few 3 or 5, and some label them 1-4: rows carry letters by position (``choices.py``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import ai2_row, hub_ai2_row
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_SPLITS = {'train': 'Train', 'dev': 'Dev', 'test': 'Test'}
_HUB_SPLITS = {'train': 'train', 'dev': 'validation', 'test': 'test'}
_WIDTH = 5


@LOAD_DATASETS.register_module()
class ARCDataset(BaseDataset):
    """Every question of the set, whatever its number of choices (generation prompts list them all)."""

    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{name}/{name}-{part}.jsonl' for split, part in _SPLITS.items()}

    @classmethod
    def keep(cls, row: dict[str, Any]) -> bool:
        return True

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('allenai/ai2_arc', name, cls._from_hub, f'{path}/{name}/{name}-*.jsonl')
        splits = {}
        for split, file in files.items():
            rows = [ai2_row(raw, _WIDTH, f"Data file '{file}'")
                    for raw in read_jsonl_rows(file, ['question', 'answerKey'])]
            splits[split] = [row for row in rows if cls.keep(row)]
        return to_dataset_dict(splits)

    @classmethod
    def _from_hub(cls, ds: DatasetDict) -> DatasetDict:
        rows = {split: [hub_ai2_row(raw, 'question', _WIDTH) for raw in ds[hub]]
                for split, hub in _HUB_SPLITS.items()}
        return to_dataset_dict({split: [row for row in split_rows if cls.keep(row)]
                                for split, split_rows in rows.items()})


@LOAD_DATASETS.register_module()
class ARCFourChoiceDataset(ARCDataset):
    """Only the 4-choice questions, as OpenCompass loads ARC: a PPL config scores a fixed label set
    A-D for every row, which a 3- or 5-choice question would not fit (7 of ARC-Challenge's 1,172
    test questions and 11 of ARC-Easy's 2,376 are dropped)."""

    @classmethod
    def keep(cls, row: dict[str, Any]) -> bool:
        return bool(row['D']) and not row['E']
