"""The data files a dataset reads, and their content hashes.

Loaders name their files (``BaseDataset.split_files``), so the files are known and
hashed without loading the dataset.  Reuse keys them by their path relative to the data
root, so the same bytes under another root are the same data; provenance records the
absolute path that was read.  A dataset loaded from the hub has no local files (its
config names the hub id); a custom loader that does not name its files has none either.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.provenance.file_hashes import content_digest
from evalkit.registry import LOAD_DATASETS, resolve_type


def dataset_files(dataset_cfg: Mapping[str, Any]) -> dict[str, Path]:
    """Path relative to the data root -> the file a dataset reads ({} for hub or custom loaders)."""
    if 'type' not in dataset_cfg:
        return {}
    loader = resolve_type(dataset_cfg['type'], LOAD_DATASETS, f"dataset '{dataset_cfg.get('abbr')}'.type")
    relative = getattr(loader, 'split_files', None)
    found = getattr(loader, 'local_files', None)
    if relative is None or found is None:
        return {}
    path, name, load_kwargs = dataset_cfg.get('path', ''), dataset_cfg.get('name'), dataset_cfg.get('load_kwargs', {})
    files = found(path, name, **load_kwargs)
    if files is None:
        return {}
    return {relative(path, name, **load_kwargs)[split]: file for split, file in files.items()}


def data_digests(files: Mapping[str, Path]) -> dict[str, str]:
    """The content digest of each file, under the same keys."""
    return {key: content_digest(file) for key, file in files.items()}
