"""WinoGrande 1.1: fill the blank ``_`` of a sentence with one of two names or things.

Local layout (as released): ``winogrande/{dev,train_xs}.jsonl`` with fields qID, sentence, option1,
option2[, answer], and ``winogrande/{dev,train_xs}-labels.lst`` with the answer ("1"/"2") on the
matching line; the label files are what the release scores against (its test file has no
``answer``), so they are the gold here.  Rows get ``A``/``B`` (option1/option2) for lettered
prompts and ``filled_A``/``filled_B``, the sentence with the blank filled, for PPL scoring.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import lettered_row, read_label_lines
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_SPLITS = ('dev', 'train_xs')
_HUB_SPLITS = {'dev': 'validation', 'train_xs': 'train'}


@LOAD_DATASETS.register_module()
class WinoGrandeDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        files = {split: f'{path}/{split}.jsonl' for split in _SPLITS}
        files.update({f'{split}-labels': f'{path}/{split}-labels.lst' for split in _SPLITS})
        return files

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('allenai/winogrande', name or 'winogrande_xs', _from_hub,
                                 f'{path}/{{dev,train_xs}}.jsonl and their -labels.lst files')
        splits = {}
        for split in _SPLITS:
            raw = read_jsonl_rows(files[split], ['sentence', 'option1', 'option2'])
            labels = read_label_lines(files[f'{split}-labels'], len(raw), ['1', '2'])
            splits[split] = [_row(r, label) for r, label in zip(raw, labels)]
        return to_dataset_dict(splits)


def _row(raw: dict[str, Any], label: str) -> dict[str, Any]:
    options = [raw['option1'], raw['option2']]
    row = lettered_row(raw['sentence'], options, int(label) - 1, 2)
    row.update({f'filled_{letter}': raw['sentence'].replace('_', option, 1)
                for letter, option in zip('AB', options)})
    return {'qID': raw.get('qID', ''), **row}


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({split: [_row(r, r['answer']) for r in ds[hub]]
                            for split, hub in _HUB_SPLITS.items()})
