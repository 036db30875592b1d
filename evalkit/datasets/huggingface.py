"""Any dataset the Hugging Face ``datasets`` library reads, from a config alone.

So a new benchmark in its upstream layout needs a config, not a loader:

- a hub id (``path='allenai/ai2_arc', name='ARC-Challenge'``), read from the hub or the local
  ``datasets`` cache (``load_kwargs=dict(revision=...)`` pins a version); offline with no cached
  copy, the usual hub error says what to do;
- local files: ``path`` is their format (``'parquet'``, ``'json'`` for .json and .jsonl, ``'csv'``)
  and ``load_kwargs=dict(data_files=...)`` names them relative to a data root, as split -> file
  (or list of files); a bare file or list is the split ``train``, as in ``datasets``.  They are
  looked for under the data roots like every loader's files, and hashed for reuse and provenance.

Columns keep their upstream names and types; ``reader_cfg`` picks the splits and columns.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub
from evalkit.datasets.data_root import describe_roots, find_local
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

LOCAL_FORMATS = ('parquet', 'json', 'csv')
DEFAULT_SPLIT = 'train'  # what ``datasets`` calls files given without a split


def files_by_split(data_files: Any) -> dict[str, list[str]]:
    """``data_files`` as ``datasets`` accepts it (a file, a list, or split -> file or list) in one shape."""
    if isinstance(data_files, str):
        return {DEFAULT_SPLIT: [data_files]}
    if isinstance(data_files, (list, tuple)):
        return {DEFAULT_SPLIT: list(data_files)}
    return {split: [files] if isinstance(files, str) else list(files) for split, files in data_files.items()}


def _check_data_files(data_files: Any, where: str) -> None:
    def is_names(value: Any) -> bool:
        return isinstance(value, str) and bool(value) or (
            isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) and v for v in value))

    if not (is_names(data_files) or isinstance(data_files, Mapping) and data_files
            and all(isinstance(k, str) and is_names(v) for k, v in data_files.items())):
        raise ConfigError(f"{where}: expected a file, a list of files, or dict(split=file or list of files) with "
                          f"paths relative to a data root, got {data_files!r}.")


@LOAD_DATASETS.register_module()
class HFDataset(BaseDataset):
    """A hub dataset, or local parquet/json/csv files through ``datasets.load_dataset``."""

    @classmethod
    def check_config(cls, dataset_cfg: Mapping[str, Any], where: str) -> None:
        """Up front: local files need ``data_files`` that exist under one data root; a hub id needs none."""
        path, load_kwargs = dataset_cfg.get('path'), dataset_cfg.get('load_kwargs') or {}
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{where}.path: expected a hub id ('owner/name') or a file format "
                              f"({', '.join(LOCAL_FORMATS)}) for local files, got {path!r}.")
        if path not in LOCAL_FORMATS:
            return
        if 'data_files' not in load_kwargs:
            raise ConfigError(f"{where}: path '{path}' reads local files; name them with "
                              f"load_kwargs=dict(data_files=dict(test='folder/test.{path}')), relative to a data root.")
        if load_kwargs.get('revision') is not None:
            raise ConfigError(f"{where}.load_kwargs.revision: only a hub dataset has revisions; local files do not.")
        _check_data_files(load_kwargs['data_files'], f'{where}.load_kwargs.data_files')
        files = [f for group in files_by_split(load_kwargs['data_files']).values() for f in group]
        if find_local(files) is None:
            raise ConfigError(f"{where}.load_kwargs.data_files: {', '.join(files)} not found together under any "
                              f"data root ({describe_roots()}). Put the files there, fix the paths, or point "
                              f"--data-root / EVALKIT_DATA_ROOT at the folder holding them.")

    @staticmethod
    def split_files(path: str, name: str | None = None, data_files: Any = None,
                    revision: str | None = None) -> dict[str, str]:
        if path not in LOCAL_FORMATS or data_files is None:
            return {}  # a hub dataset: its id (and revision) in the config identify it
        return {f'{split}/{k}': file for split, group in files_by_split(data_files).items()
                for k, file in enumerate(group)}

    @classmethod
    def load(cls, path: str, name: str | None = None, data_files: Any = None,
             revision: str | None = None) -> DatasetDict:
        if path not in LOCAL_FORMATS:
            return load_from_hub(path, name, lambda splits: splits,
                                 f"a local copy (for one, set path to {', '.join(LOCAL_FORMATS)} and "
                                 f"load_kwargs=dict(data_files=...))", revision=revision)
        import datasets

        groups = files_by_split(data_files)
        root = find_local([f for group in groups.values() for f in group])
        if root is None:
            raise ConfigError(f"HFDataset: data files {groups} not found together under any data root "
                              f"({describe_roots()}).")
        resolved = {split: [str(root / f) for f in group] for split, group in groups.items()}
        try:
            return datasets.load_dataset(path, data_files=resolved)
        except Exception as exc:  # the datasets library raises many kinds for one cause: an unreadable file
            raise ConfigError(f"HFDataset: cannot read {path} files {resolved} ({type(exc).__name__}: "
                              f"{str(exc)[:300]}). Check that they are {path} files with the same columns.") from None
