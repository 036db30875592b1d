"""The dataset-loader contract, file readers with row-level errors, and the hub fallback."""
from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.data_root import describe_roots, find_local

if TYPE_CHECKING:  # the datasets library takes a second to import; tasks that only hash files skip it
    from datasets import DatasetDict


class BaseDataset(ABC):
    """Loads one benchmark (or one subject of it) into splits of plain rows.

    A loader that reads local files names them in ``split_files``, so the files a
    dataset reads can be hashed (reuse and provenance) without loading it.  A loader whose
    ``load`` takes keywords beyond path and name (``HFDataset``'s ``data_files``) gets them
    from the dataset config's ``load_kwargs``, and so does its ``split_files``.
    """

    @classmethod
    @abstractmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        """``path`` is relative to a data root (or a hub id); ``name`` picks a subject."""

    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        """Split -> the file (relative to a data root) ``load`` reads it from; {} if it reads none."""
        return {}

    @classmethod
    def local_files(cls, path: str, name: str | None = None, **load_kwargs: Any) -> dict[str, Path] | None:
        """Split -> the file ``load`` will read, under the first data root holding them all;
        None when no root does (``load`` then goes to the hub).  ``load_kwargs``: the dataset
        config's, for loaders whose ``load`` and ``split_files`` take more than path and name."""
        files = cls.split_files(path, name, **load_kwargs)
        root = find_local(list(files.values()))
        return None if root is None else {split: root / rel for split, rel in files.items()}


def read_csv_rows(path: Path, columns: list[str], has_header: bool) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts; a malformed row is an error naming file and line."""
    rows = []
    with open(path, encoding='utf-8', newline='') as fh:
        reader = csv.reader(fh)
        if has_header:
            header = next(reader, None) or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise ConfigError(f"Data file '{path}': header lacks column(s) {missing}; "
                                  f"expected at least {', '.join(columns)}.")
            positions, width = [header.index(c) for c in columns], len(header)
        else:
            positions, width = list(range(len(columns))), len(columns)
        for row in reader:
            if not row:
                continue
            if len(row) != width:
                raise ConfigError(
                    f"Data file '{path}', line {reader.line_num}: expected {width} columns, found {len(row)} "
                    f"({', '.join(columns)} are needed). Fix or remove that row.")
            rows.append({c: row[p] for c, p in zip(columns, positions)})
    return rows


def read_jsonl_rows(path: Path, required: Sequence[str] | None) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; a corrupt line, a line that is not an object, or a missing field
    names file and line.  ``required=None`` asks every row for the fields of the first one (files
    whose columns are not known in advance, such as a user's own questions)."""
    rows: list[dict[str, Any]] = []
    with open(path, encoding='utf-8') as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"Data file '{path}', line {number}: not valid JSON ({exc}). "
                                  f"Fix or remove that line.") from None
            if not isinstance(row, dict):
                raise ConfigError(f"Data file '{path}', line {number}: expected a JSON object "
                                  f"(column -> value), got {type(row).__name__}. Fix or remove that line.")
            wanted = list(rows[0]) if required is None and rows else required or []
            missing = [k for k in wanted if k not in row]
            if missing:
                hint = ' that the first row has. Give every row the same fields.' if required is None else '.'
                raise ConfigError(f"Data file '{path}', line {number}: missing field(s) {missing}{hint}")
            rows.append(row)
    return rows


def to_dataset_dict(splits: dict[str, list[dict[str, Any]]]) -> DatasetDict:
    from datasets import Dataset, DatasetDict

    return DatasetDict({name: Dataset.from_list(rows) for name, rows in splits.items()})


def load_from_hub(hub_id: str, name: str | None, convert: Callable[[DatasetDict], DatasetDict],
                  local_hint: str, **hub_kwargs: Any) -> DatasetDict:
    """Real hub loading for when no local copy exists; offline it says what to do instead."""
    import datasets

    try:
        return convert(datasets.load_dataset(hub_id, name, **hub_kwargs))
    except Exception as exc:  # network, auth and missing-config errors all end the same way
        raise ConfigError(
            f"Dataset {hub_id}{'/' + name if name else ''} is not available locally (looked for "
            f"{local_hint} under the data roots: {describe_roots()}) and could not be loaded from the "
            f"Hugging Face hub ({type(exc).__name__}: {str(exc)[:200]}). Put the files there, or point "
            f"--data-root / EVALKIT_DATA_ROOT at a folder holding them.") from None
