"""CommonsenseQA: questions about everyday concepts, 5 choices (A-E).

Local layout (as released, random split): ``commonsenseqa/{train,dev}_rand_split.jsonl`` with fields
answerKey, id, question {question_concept, choices [{label, text}], stem}.  The test split has no
public answers, so evaluation uses dev and in-context examples come from train.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import ai2_row, hub_ai2_row
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_HUB_SPLITS = {'train': 'train', 'dev': 'validation'}


@LOAD_DATASETS.register_module()
class CommonsenseQADataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{split}_rand_split.jsonl' for split in ('train', 'dev')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('tau/commonsense_qa', name, _from_hub,
                                 f'{path}/{{train,dev}}_rand_split.jsonl')
        return to_dataset_dict({split: [ai2_row(raw, 5, f"Data file '{file}'")
                                        for raw in read_jsonl_rows(file, ['question', 'answerKey'])]
                                for split, file in files.items()})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({split: [hub_ai2_row(raw, 'question', 5) for raw in ds[hub]]
                            for split, hub in _HUB_SPLITS.items()})
