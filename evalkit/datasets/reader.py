"""From a dataset config to the rows the prompts are built from."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.circular import circular_rows
from evalkit.registry import LOAD_DATASETS, resolve_type


def read_splits(dataset_cfg: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(in-context rows, test rows) of a dataset, the test rows cut to ``reader_cfg.limit`` (then
    copied once per option order when the dataset is ``circular``, see ``datasets/circular.py``)."""
    where = f"dataset '{dataset_cfg['abbr']}'"
    loader = resolve_type(dataset_cfg['type'], LOAD_DATASETS, f'{where}.type')
    splits = loader.load(dataset_cfg.get('path', ''), dataset_cfg.get('name'), **dataset_cfg.get('load_kwargs', {}))
    reader = dataset_cfg['reader_cfg']
    train_split, test_split = reader.get('train_split', 'train'), reader.get('test_split', 'test')
    for split in (train_split, test_split):
        if split not in splits:
            raise ConfigError(f"{where}: reader_cfg asks for split '{split}', but the data has "
                              f"{', '.join(splits)}. Set reader_cfg.train_split / test_split.")
    if len(splits[test_split]) == 0:
        raise ConfigError(f"{where}: the test split '{test_split}' has no rows, so there is nothing to evaluate. "
                          f"Check its data file (only a header?) or reader_cfg.test_split.")
    columns = [*reader['input_columns'], reader['output_column']]
    missing = [c for c in columns if c not in splits[test_split].column_names]
    if missing:
        raise ConfigError(f"{where}: reader_cfg names column(s) {missing} that the data lacks; "
                          f"it has {', '.join(splits[test_split].column_names)}.")
    test = splits[test_split]
    if reader.get('limit') is not None:
        test = test.select(range(min(int(reader['limit']), len(test))))
    if dataset_cfg.get('circular') is not None:  # after limit: limit counts questions, not copies
        return splits[train_split].to_list(), circular_rows(test.to_list(), dataset_cfg['circular'],
                                                           reader['output_column'], where)
    return splits[train_split].to_list(), test.to_list()
