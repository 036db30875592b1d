"""Prove a predictions file whole before it is scored.

A metadata file saying "complete" is a claim; this checks it against the file and the
dataset: every line readable, one record per test row (after ``--limit``), no index
twice, none missing, none outside the dataset.  A file that fails is never scored: the
evaluation task fails with what is wrong and how to recover, and the store is marked
incomplete, so ``-r`` predicts the missing rows again instead of trusting the claim.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir
from evalkit.tasks.completion import prediction_store
from evalkit.tasks.prediction_store import PredictionFileError, PredictionStore, read_records
from evalkit.tasks.spec import TaskSpec

SHOWN_INDICES = 8


def _some(indices: list[int]) -> str:
    shown = ', '.join(map(str, indices[:SHOWN_INDICES]))
    return shown + (f', ... ({len(indices)} in all)' if len(indices) > SHOWN_INDICES else '')


def problems(records: list[dict[str, Any]], meta: Mapping[str, Any], expected_rows: int) -> list[str]:
    """What is wrong with a complete store's records, as phrases (empty when it can be scored)."""
    counts = Counter(r['index'] for r in records)
    found = []
    if len(records) != expected_rows:
        found.append(f'it has {len(records)} records for a dataset of {expected_rows} rows')
    if meta.get('total') != expected_rows:
        found.append(f"its metadata records {meta.get('total')} rows, the dataset has {expected_rows}")
    if duplicated := sorted(i for i, n in counts.items() if n > 1):
        found.append(f'row(s) {_some(duplicated)} appear more than once')
    if missing := sorted(set(range(expected_rows)) - set(counts)):
        found.append(f'row(s) {_some(missing)} are missing')
    if outside := sorted(set(counts) - set(range(expected_rows))):
        found.append(f'row(s) {_some(outside)} are outside the dataset')
    return found


def checked_records(spec: TaskSpec, dataset_cfg: Mapping[str, Any], expected_rows: int) -> list[dict[str, Any]]:
    """The records of a dataset's complete predictions, in index order, after proving them whole
    against the ``expected_rows`` of its test split.

    Raises ``PredictionFileError`` naming the file, what is wrong and how to recover.
    """
    store = prediction_store(spec, dataset_cfg)
    try:
        records = read_records(store.path)
    except PredictionFileError:
        _withdraw(spec, dataset_cfg, store)
        raise
    found = problems(records, store.meta(), expected_rows)
    if found:
        _withdraw(spec, dataset_cfg, store)
        raise PredictionFileError(
            f"{store.path} cannot be scored: {'; '.join(found)}. Its metadata said it was complete, so the file "
            f"was changed or damaged after it was written; it is now marked incomplete and its old scores are removed. Resume the run with -r to "
            f"predict the missing rows again, or delete {store.path} to predict the dataset from scratch.")
    return records


def _withdraw(spec: TaskSpec, dataset_cfg: Mapping[str, Any], store: PredictionStore) -> None:
    """Take back every claim built on a damaged file: the store's completeness and the dataset's old scores."""
    store.mark_incomplete()
    run_dir, abbr = RunDir(Path(spec.work_dir)), dataset_cfg['abbr']
    for path in (run_dir.results(spec.model_abbr, abbr), run_dir.details(spec.model_abbr, abbr)):
        path.unlink(missing_ok=True)
