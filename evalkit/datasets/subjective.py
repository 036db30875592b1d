"""A user's own questions for a judge to grade: one JSON object per line.

Fields: ``question`` (a string, or a list of user turns), and optionally ``reference`` (a reference
answer, or one per turn) and ``category`` (scores are reported per category).  Missing optional
fields are filled with empty values, so every row has the same columns.  Example:
``data/subjective/example_questions.jsonl`` (the ``subjective_generic`` config).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import describe_roots
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict


@LOAD_DATASETS.register_module()
class SubjectiveQuestionsDataset(BaseDataset):
    """``path``: the JSONL file, relative to a data root or absolute."""

    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'test': path}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = {'test': Path(path)} if Path(path).is_absolute() and Path(path).is_file() else cls.local_files(path)
        if files is None:
            raise ConfigError(f"Question file '{path}' not found under the data roots ({describe_roots()}). Give "
                              f'the path of your .jsonl file (relative to a data root, or absolute).')
        rows = []
        for row in read_jsonl_rows(files['test'], ['question']):
            turns = row['question'] if isinstance(row['question'], list) else [row['question']]
            reference = row.get('reference') or []
            rows.append({'question': [str(t) for t in turns], 'category': str(row.get('category') or 'general'),
                         'reference': [str(r) for r in (reference if isinstance(reference, list) else [reference])]})
        return to_dataset_dict({'test': rows})
