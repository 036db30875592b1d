"""C-Eval: 52 Chinese exam subjects, 4-option multiple choice.

Local layout (as released): ``ceval/{dev,val,test}/{subject}_{split}.csv`` with columns
id, question, A, B, C, D, answer[, explanation].  The test split has no public
answers, so evaluation uses val and in-context examples come from dev.
"""
from __future__ import annotations

from datasets import DatasetDict

from evalkit.datasets.base import BaseDataset, load_from_hub, read_csv_rows, to_dataset_dict
from evalkit.datasets.data_root import find_local
from evalkit.registry import LOAD_DATASETS

_COLUMNS = ['id', 'question', 'A', 'B', 'C', 'D', 'answer']


@LOAD_DATASETS.register_module()
class CEvalDataset(BaseDataset):
    @staticmethod
    def load(path: str, name: str | None = None) -> DatasetDict:
        files = {split: f'{path}/{split}/{name}_{split}.csv' for split in ('dev', 'val')}
        root = find_local(list(files.values()))
        if root is None:
            return load_from_hub('ceval/ceval-exam', name, _from_hub, f"{path}/{{dev,val}}/{name}_*.csv")
        return to_dataset_dict({split: read_csv_rows(root / rel, _COLUMNS, has_header=True)
                                for split, rel in files.items()})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return DatasetDict({split: ds[split].select_columns(_COLUMNS) for split in ('dev', 'val') if split in ds})
