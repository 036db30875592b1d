"""HellaSwag: pick the most plausible of four endings for the start of a scene description.

Local layout (as released): ``hellaswag/hellaswag_val.jsonl`` with fields ctx, endings (4 strings)
and label (index of the right ending), among others (activity_label, ctx_a, ctx_b, ...).  The test
labels are withheld, so evaluation uses the validation split, zero-shot as OpenCompass does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.choices import lettered_row
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict


@LOAD_DATASETS.register_module()
class HellaSwagDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'val': f'{path}/hellaswag_val.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('Rowan/hellaswag', name, _from_hub, f'{path}/hellaswag_val.jsonl')
        where = f"Data file '{files['val']}'"
        raw = read_jsonl_rows(files['val'], ['ctx', 'endings', 'label'])
        return to_dataset_dict({'val': [_row(r, where) for r in raw]})


def _row(raw: dict[str, Any], where: str) -> dict[str, Any]:
    if len(raw['endings']) != 4 or str(raw['label']) not in ('0', '1', '2', '3'):
        raise ConfigError(f"{where}: row {raw.get('ind')!r} needs 4 endings and a label 0-3, found "
                          f"{len(raw['endings'])} endings and label {raw['label']!r}. Fix or remove that row.")
    return lettered_row(raw['ctx'], raw['endings'], int(raw['label']), 4)


def _from_hub(ds: DatasetDict) -> DatasetDict:
    return to_dataset_dict({'val': [_row(r, 'Rowan/hellaswag validation')
                                    for r in ds['validation']]})
