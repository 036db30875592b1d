"""GSM8K: grade-school math word problems with worked solutions ending in '#### <number>'.

Local layout (as released): ``gsm8k/{train,test}.jsonl`` with fields question, answer.
Each row also gets ``solution``: the worked answer as a model should write it in a
few-shot prompt (calculator annotations removed, ending "The answer is N").
"""
from __future__ import annotations

import re
from typing import Any

from datasets import DatasetDict

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import find_local
from evalkit.registry import LOAD_DATASETS


@LOAD_DATASETS.register_module()
class GSM8KDataset(BaseDataset):
    @staticmethod
    def load(path: str, name: str | None = None) -> DatasetDict:
        files = {split: f'{path}/{split}.jsonl' for split in ('train', 'test')}
        root = find_local(list(files.values()))
        if root is None:
            return load_from_hub('openai/gsm8k', name or 'main', lambda d: d.map(with_solution),
                                 f'{path}/{{train,test}}.jsonl')
        return to_dataset_dict({split: [with_solution(r) for r in read_jsonl_rows(root / rel, ['question', 'answer'])]
                                for split, rel in files.items()})


def with_solution(row: dict[str, Any]) -> dict[str, Any]:
    steps, _, final = row['answer'].rpartition('####')
    steps = re.sub(r'<<[^>]*>>', '', steps).strip()
    return {**row, 'solution': f'{steps}\nThe answer is {final.strip()}'}
