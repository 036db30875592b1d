"""A user's own question file (JSON lines or CSV), evaluated without writing a loader.

The file is the whole test split.  Its columns decide the layout: consecutive one-letter
columns ``A``, ``B``, ... beside an ``answer`` column make a multiple-choice question set,
``question`` + ``answer`` a free-answer one (``evalkit.config.custom_datasets`` turns that
into prompts and an evaluator).  Every value is read as text, because prompts and gold
answers are text and Arrow wants one type per column (a JSON ``42`` becomes ``'42'``).
"""
from __future__ import annotations

import csv
import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import describe_roots, find_local
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

SUFFIXES = ('.jsonl', '.csv')
TEST_SPLIT = 'test'


@dataclass(frozen=True)
class Table:
    """A question file's column names (in file order) and its rows, every value text."""

    path: Path
    columns: list[str]
    rows: list[dict[str, str]]


@dataclass(frozen=True)
class Layout:
    """Which columns hold the question, the gold answer and (multiple choice) the options."""

    data_type: Literal['mcq', 'qa']
    question_column: str
    answer_column: str
    option_columns: tuple[str, ...] = ()

    @property
    def letters(self) -> str:
        """The option labels, A, B, ... one per option column."""
        return string.ascii_uppercase[:len(self.option_columns)]


def locate(path: str) -> Path:
    """The file ``path`` names: under the first data root holding it, else as given (absolute or from
    the current folder); an error listing both when neither has it."""
    root = find_local([path])
    if root is not None:
        return root / path
    if Path(path).is_file():
        return Path(path).resolve()
    raise ConfigError(f"Custom dataset file '{path}' does not exist (looked in the current folder and under the "
                      f"data roots: {describe_roots()}). Give the path of a .jsonl or .csv question file.")


def _as_text(value: Any) -> str:
    if value is None:
        return ''
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read_jsonl(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    rows = read_jsonl_rows(path, required=None)
    return (list(rows[0]) if rows else []), [{c: _as_text(v) for c, v in row.items()} for row in rows]


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding='utf-8', newline='') as fh:
        reader = csv.reader(fh)
        columns = next(reader, None) or []
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(columns):
                raise ConfigError(
                    f"Custom dataset file '{path}', line {reader.line_num}: expected {len(columns)} fields "
                    f"({', '.join(columns)}), found {len(row)}. Quote fields that contain commas, or fix that row.")
            rows.append(dict(zip(columns, row)))
    return columns, rows


def read_table(path: Path) -> Table:
    """Every row of a question file; an empty file or a malformed row is an error naming file and line."""
    if path.suffix not in SUFFIXES:
        raise ConfigError(f"Custom dataset file '{path}': unsupported file type '{path.suffix}'. "
                          f"Use JSON lines (.jsonl, one object per line) or CSV with a header row (.csv).")
    try:
        columns, rows = (_read_jsonl if path.suffix == '.jsonl' else _read_csv)(path)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Custom dataset file '{path}' is not UTF-8 text ({exc.reason} at byte {exc.start}). "
                          f"Save it as UTF-8.") from None
    if not rows:
        raise ConfigError(f"Custom dataset file '{path}' has no rows{' (only a header)' if columns else ''}, "
                          f"so there is nothing to evaluate. Add questions, one per "
                          f"{'line' if path.suffix == '.jsonl' else 'row after the header'}.")
    return Table(path, columns, rows)


def option_columns(table: Table) -> tuple[str, ...]:
    """The consecutive option columns A, B, ... of a table; a gap (A, B, D) is an error."""
    letters = sorted(c for c in table.columns if len(c) == 1 and c in string.ascii_uppercase)
    expected = string.ascii_uppercase[:len(letters)]
    if ''.join(letters) != expected:
        missing = [c for c in expected if c not in letters]
        raise ConfigError(
            f"Custom dataset file '{table.path}': option columns {', '.join(letters)} are not consecutive "
            f"from A (missing {', '.join(missing)}). Name the options A, B, C, ... without gaps, or list them "
            f"as option_columns in the meta file.")
    return tuple(letters)


def check_columns(table: Table, layout: Layout, source: str) -> None:
    """Every column ``layout`` names exists in the file; ``source`` says who named them (defaults or a meta file)."""
    named = [layout.question_column, layout.answer_column, *layout.option_columns]
    unknown = [c for c in named if c not in table.columns]
    if unknown:
        what = 'a multiple-choice' if layout.data_type == 'mcq' else 'a question-answer'
        raise ConfigError(
            f"Custom dataset file '{table.path}' lacks column(s) {', '.join(unknown)} that {source} names for "
            f"{what} dataset; its columns are {', '.join(table.columns)}. Rename the columns, or set "
            f"question_column / answer_column / option_columns in '{table.path.name}.meta.json'.")


@LOAD_DATASETS.register_module()
class CustomDataset(BaseDataset):
    """One question file as the ``test`` split.  In a config, ``dict(type=CustomDataset, path=...)``
    alone is enough: ``evalkit.config.custom_datasets`` fills in reader, prompts and evaluator."""

    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {TEST_SPLIT: path}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        return to_dataset_dict({TEST_SPLIT: read_table(locate(path)).rows})
