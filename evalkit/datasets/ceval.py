"""C-Eval: 52 Chinese exam subjects, 4-option multiple choice.

Local layout (as released): ``ceval/{dev,val,test}/{subject}_{split}.csv`` with columns
id, question, A, B, C, D, answer[, explanation].  The test split has no public
answers, so evaluation uses val and in-context examples come from dev.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.datasets.base import BaseDataset, load_from_hub, read_csv_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_COLUMNS = ['id', 'question', 'A', 'B', 'C', 'D', 'answer']


@LOAD_DATASETS.register_module()
class CEvalDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{split}/{name}_{split}.csv' for split in ('dev', 'val')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('ceval/ceval-exam', name, _from_hub, f"{path}/{{dev,val}}/{name}_*.csv")
        return to_dataset_dict({split: read_csv_rows(file, _COLUMNS, has_header=True)
                                for split, file in files.items()})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    from datasets import DatasetDict

    return DatasetDict({split: ds[split].select_columns(_COLUMNS) for split in ('dev', 'val') if split in ds})
