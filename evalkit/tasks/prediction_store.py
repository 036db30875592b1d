"""Predictions on disk: appended as they are made, resumable, and tied to what made them.

``<dataset>.jsonl`` gets one JSON line per answered row, flushed to disk after every
chunk, so a killed run loses at most the chunk in flight.  ``<dataset>.meta.json``
holds the fingerprint of everything that shaped the predictions and whether the
file is complete; rows written under another fingerprint are never reused.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class PredictionStore:
    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.meta_path = path.with_suffix('.meta.json')
        self.fingerprint = fingerprint

    def _meta(self) -> dict[str, Any]:
        try:
            return json.loads(self.meta_path.read_text(encoding='utf-8'))
        except (OSError, ValueError):
            return {}

    def is_complete(self) -> bool:
        meta = self._meta()
        return meta.get('fingerprint') == self.fingerprint and bool(meta.get('complete'))

    def open_for_writing(self) -> dict[int, dict[str, Any]]:
        """Start or resume; returns the rows already predicted under this fingerprint."""
        done: dict[int, dict[str, Any]] = {}
        if self._meta().get('fingerprint') == self.fingerprint and self.path.exists():
            done = {r['index']: r for r in read_records(self.path)}
        # Rewrite what survives so a torn last line from a kill is dropped for good.
        write_json_atomic(self.meta_path, {'fingerprint': self.fingerprint, 'complete': False})
        tmp = self.path.with_name(self.path.name + '.tmp')
        with open(tmp, 'w', encoding='utf-8') as fh:
            for index in sorted(done):
                fh.write(json.dumps(done[index], ensure_ascii=False) + '\n')
        os.replace(tmp, self.path)
        return done

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        with open(self.path, 'a', encoding='utf-8') as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + '\n')
            fh.flush()
            os.fsync(fh.fileno())

    def mark_complete(self, count: int, total: int) -> None:
        """``count`` rows written out of the dataset's ``total`` (they differ for a shard)."""
        write_json_atomic(self.meta_path, {'fingerprint': self.fingerprint, 'complete': True, 'count': count,
                                           'total': total})

    def complete_total(self) -> int | None:
        """The dataset's row count recorded by a complete store of this fingerprint, else None."""
        meta = self._meta()
        complete = meta.get('fingerprint') == self.fingerprint and meta.get('complete')
        return meta.get('total') if complete else None

    def write_complete(self, records: list[dict[str, Any]], total: int) -> None:
        """Replace the store with ``records`` (every row of the dataset) and mark it complete."""
        tmp = self.path.with_name(self.path.name + '.tmp')
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, 'w', encoding='utf-8') as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + '\n')
        os.replace(tmp, self.path)
        self.mark_complete(len(records), total)


def read_records(path: Path) -> list[dict[str, Any]]:
    """All intact records of a predictions file, in index order (a torn last line is skipped)."""
    records = []
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            try:
                records.append(json.loads(line))
            except ValueError:
                break
    return sorted(records, key=lambda r: r['index'])
