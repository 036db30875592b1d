"""CMMLU: 67 Chinese knowledge and reasoning subjects, 4-option multiple choice.

Local layout (as released): ``cmmlu/{dev,test}/{subject}.csv`` with the header
``,Question,A,B,C,D,Answer`` (the first, unnamed column is a row number).  Dev holds the
5 in-context examples of each subject.  Rows get the shared multiple-choice columns
(``choices.py``): question, A-D, options, answer.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub, read_csv_rows, to_dataset_dict
from evalkit.datasets.choices import LETTERS, lettered_row
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from datasets import DatasetDict

_COLUMNS = ['Question', 'A', 'B', 'C', 'D', 'Answer']


@LOAD_DATASETS.register_module()
class CMMLUDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/{split}/{name}.csv' for split in ('dev', 'test')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('haonan-li/cmmlu', name, _from_hub, f'{path}/{{dev,test}}/{name}.csv')
        return to_dataset_dict({split: _rows(read_csv_rows(file, _COLUMNS, has_header=True),
                                             f"Data file '{file}'") for split, file in files.items()})


def _rows(raw: Iterable[Mapping[str, str]], where: str) -> list[dict[str, str]]:
    rows = []
    for number, r in enumerate(raw, 1):
        answer = r['Answer'].strip()
        if answer not in ('A', 'B', 'C', 'D'):
            raise ConfigError(f"{where}, question {number}: Answer {r['Answer']!r} is not one of A, B, C, D. "
                              f"Fix that row or remove it.")
        rows.append(lettered_row(r['Question'], [r[x] for x in 'ABCD'], LETTERS.index(answer), 4))
    return rows


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({split: _rows(ds[split], f'haonan-li/cmmlu {split}') for split in ('dev', 'test')})
