"""MMLU: 57 English subjects, 4-option multiple choice.

Local layout (as released): ``mmlu/{dev,test}/{subject}_{split}.csv``, no header,
columns question, A, B, C, D, answer letter.  Dev holds the 5 in-context examples.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.datasets.base import BaseDataset, load_from_hub, read_csv_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_COLUMNS = ['input', 'A', 'B', 'C', 'D', 'target']


@LOAD_DATASETS.register_module()
class MMLUDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{split}/{name}_{split}.csv' for split in ('dev', 'test')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('cais/mmlu', name, _from_hub, f"{path}/{{dev,test}}/{name}_*.csv")
        return to_dataset_dict({split: read_csv_rows(file, _COLUMNS, has_header=False)
                                for split, file in files.items()})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    def convert(split: str) -> list[dict[str, str]]:
        return [{'input': r['question'], **dict(zip('ABCD', r['choices'])), 'target': 'ABCD'[r['answer']]}
                for r in ds[split]]
    return to_dataset_dict({'dev': convert('dev'), 'test': convert('test')})
