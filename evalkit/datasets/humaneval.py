"""HumanEval: 164 Python functions to complete from their signature and docstring.

Local layout (as released): ``humaneval/HumanEval.jsonl`` with fields task_id, prompt,
canonical_solution, test (defines ``check(candidate)``) and entry_point.  There is one split,
``test`` (configs name it as their train split too: the prompt is zero-shot).  The ``test`` field is code: it only ever runs inside ``evalkit.sandbox``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

FIELDS = ['task_id', 'prompt', 'canonical_solution', 'test', 'entry_point']
HUB_ID = 'openai_humaneval'


@LOAD_DATASETS.register_module()
class HumanEvalDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'test': f'{path}/HumanEval.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub(HUB_ID, name, lambda d: _test_split(list(d['test'])), f'{path}/HumanEval.jsonl')
        return _test_split(read_jsonl_rows(files['test'], FIELDS))


def _test_split(rows: list[dict[str, Any]]) -> DatasetDict:
    return to_dataset_dict({'test': [{field: row[field] for field in FIELDS} for row in rows]})
