"""MBPP: 974 short Python programming tasks, each checked by three asserts.

Local layout (as released): ``mbpp/mbpp.jsonl`` with fields task_id, text, code, test_list,
test_setup_code, challenge_test_list.  Splits follow the upstream README by task id:
1-10 ``prompt`` (few-shot examples), 11-510 ``test``, 511-600 ``validation``, 601-974 ``train``.
Each row also gets ``test_text``: its asserts one per line, as the prompt shows them.
``code``, ``test_list`` and ``test_setup_code`` are code: they only ever run inside ``evalkit.sandbox``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

FIELDS = ['task_id', 'text', 'code', 'test_list', 'test_setup_code']
HUB_ID = 'mbpp'
SPLITS = {'prompt': range(1, 11), 'test': range(11, 511), 'validation': range(511, 601), 'train': range(601, 975)}


@LOAD_DATASETS.register_module()
class MBPPDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'all': f'{path}/mbpp.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub(HUB_ID, name or 'full', _from_hub, f'{path}/mbpp.jsonl')
        return split_by_task_id(read_jsonl_rows(files['all'], FIELDS))


def split_by_task_id(rows: list[dict[str, Any]]) -> DatasetDict:
    """The upstream splits; a split without rows (a small sample) is left out rather than empty."""
    splits: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
    for row in rows:
        split = next((name for name, ids in SPLITS.items() if int(row['task_id']) in ids), None)
        if split is not None:
            splits[split].append({**{f: row[f] for f in FIELDS}, 'test_text': '\n'.join(row['test_list'])})
    return to_dataset_dict({name: sorted(rows, key=lambda r: r['task_id']) for name, rows in splits.items() if rows})


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return split_by_task_id([row for split in ds.values() for row in split])
