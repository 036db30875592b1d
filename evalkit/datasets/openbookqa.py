"""OpenBookQA: elementary science questions that need a fact from a small "open book", 4 choices.

Local layout (as released, V1 Sep 2018): ``openbookqa/Data/Main/{train,dev,test}.jsonl`` with fields
id, question {stem, choices [{text, label}]}, answerKey.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import ai2_row, hub_ai2_row
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_HUB_SPLITS = {'train': 'train', 'dev': 'validation', 'test': 'test'}


@LOAD_DATASETS.register_module()
class OBQADataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/Data/Main/{split}.jsonl' for split in ('train', 'dev', 'test')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('allenai/openbookqa', name or 'main', _from_hub, f'{path}/Data/Main/*.jsonl')
        return to_dataset_dict({split: [ai2_row(raw, 4, f"Data file '{file}'")
                                        for raw in read_jsonl_rows(file, ['question', 'answerKey'])]
                                for split, file in files.items()})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({split: [hub_ai2_row(raw, 'question_stem', 4) for raw in ds[hub]]
                            for split, hub in _HUB_SPLITS.items()})
