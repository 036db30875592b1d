"""GSM8K: grade-school math word problems with worked solutions ending in '#### <number>'.

Local layout (as released): ``gsm8k/{train,test}.jsonl`` with fields question, answer.
Each row also gets ``solution``: the worked answer as a model should write it in a
few-shot prompt (calculator annotations removed, ending "The answer is N").
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict


@LOAD_DATASETS.register_module()
class GSM8KDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{split}.jsonl' for split in ('train', 'test')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('openai/gsm8k', name or 'main', lambda d: d.map(with_solution),
                                 f'{path}/{{train,test}}.jsonl')
        return to_dataset_dict({split: [with_solution(r) for r in read_jsonl_rows(file, ['question', 'answer'])]
                                for split, file in files.items()})


def with_solution(row: dict[str, Any]) -> dict[str, Any]:
    steps, _, final = row['answer'].rpartition('####')
    steps = re.sub(r'<<[^>]*>>', '', steps).strip()
    return {**row, 'solution': f'{steps}\nThe answer is {final.strip()}'}
