"""PIQA: physical commonsense, pick the better of two solutions (A = sol1, B = sol2) for a goal.

Local layout (as released): ``piqa/valid.jsonl`` with fields goal, sol1, sol2, and
``piqa/valid-labels.lst`` holding the index (0/1) of the right solution on the matching line.
The public test labels are withheld, so evaluation uses the validation split, zero-shot.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import lettered_row, read_label_lines
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict


@LOAD_DATASETS.register_module()
class PIQADataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'valid': f'{path}/valid.jsonl', 'valid-labels': f'{path}/valid-labels.lst'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('ybisk/piqa', name, _from_hub,
                                 f'{path}/valid.jsonl and {path}/valid-labels.lst')
        raw = read_jsonl_rows(files['valid'], ['goal', 'sol1', 'sol2'])
        labels = read_label_lines(files['valid-labels'], len(raw), ['0', '1'])
        return to_dataset_dict({'valid': [lettered_row(r['goal'], [r['sol1'], r['sol2']], int(label), 2)
                                          for r, label in zip(raw, labels)]})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({'valid': [lettered_row(r['goal'], [r['sol1'], r['sol2']], int(r['label']), 2)
                                      for r in ds['validation']]})
