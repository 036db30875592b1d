"""Merge the predictions of a dataset that was split across tasks into its one store.

Shards predict global row indices of the same prompts, so their records joined and
ordered by index are the records an unsplit run writes.  The merged store is an
ordinary complete store: evaluation, summaries and reuse never see shards, and a
later run reuses it however that run splits the work.  A merge happens only when
complete shards of the current fingerprint cover every row; until then the shards
stay, so a resumed run submits just the missing ones.
"""
from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.outputs import RunDir
from evalkit.tasks.fingerprint import compute_fingerprint
from evalkit.tasks.prediction_store import PredictionStore, read_records


def merge_shards(target: PredictionStore, shard_dir: Path) -> bool:
    """Write ``target`` from the complete shards in ``shard_dir``; True when the merge happened."""
    records: dict[int, dict[str, Any]] = {}
    totals = set()
    for path in sorted(shard_dir.glob('*.jsonl')):
        shard = PredictionStore(path, target.fingerprint)
        total = shard.complete_total()
        if total is None:
            continue  # unfinished, or made under another fingerprint
        totals.add(total)
        records.update((r['index'], r) for r in read_records(path))
    if len(totals) != 1 or set(records) != set(range(totals.pop())):
        return False
    target.write_complete([records[i] for i in sorted(records)], total=len(records))
    shutil.rmtree(shard_dir)
    return True


def merge_run_shards(run_dir: RunDir, models: Sequence[Mapping[str, Any]],
                     datasets: Sequence[Mapping[str, Any]]) -> list[str]:
    """Merge every dataset of the run whose shards are all done; returns ``model/dataset`` names merged."""
    merged = []
    for model in models:
        for ds in datasets:
            shard_dir = run_dir.shard_dir(model['abbr'], ds['abbr'])
            if not shard_dir.is_dir():
                continue
            fingerprint = compute_fingerprint(model, ds)
            target = PredictionStore(run_dir.predictions(model['abbr'], ds['abbr']), fingerprint.digest,
                                     fingerprint.components)
            if not target.is_complete() and merge_shards(target, shard_dir):
                merged.append(f"{model['abbr']}/{ds['abbr']}")
    return merged
