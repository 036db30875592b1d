"""Predictions on disk: appended as they are made, resumable, tied to what made them, one writer at a time.

``<dataset>.jsonl`` gets one JSON line per answered row, fsynced after every chunk, so
a killed run loses at most the chunk in flight.  ``<dataset>.meta.json`` holds the
fingerprint of everything that shaped the predictions and whether the file is
complete; it is written (atomically) only after the rows it vouches for are on disk,
and rows written under another fingerprint are never reused.  ``<dataset>.lock`` is
locked while a process writes the store, so two runs can never interleave rows.

Reading is strict: only a torn *last* line (a kill in the middle of an append) may be
dropped, and only when resuming; any other unreadable line is an error, because
stopping at it would silently score or resume from a subset.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from evalkit.atomic import atomic_writer, write_json_atomic
from evalkit.config.errors import ConfigError


class PredictionFileError(ConfigError):
    """A predictions file that cannot be trusted or written; the message names it and says how to recover."""


class StoreLock:
    """An exclusive ``flock`` on ``<dataset>.lock``, held while one process writes the store.

    The kernel releases it when the holder exits or is killed, so a crashed run never
    leaves a stale lock behind.  The file's text (pid, host, command, time) exists only
    to name the holder in the error another writer gets.
    """

    def __init__(self, store_path: Path) -> None:
        self.path = store_path.with_suffix('.lock')
        self.store_path = store_path
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        with _naming_failures(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode('utf-8', errors='replace').strip() or 'a process that just started'
            os.close(fd)
            raise PredictionFileError(
                f'{self.store_path} is being written by another evalkit process ({holder}; lock file '
                f'{self.path}). Two runs must never write one predictions file: wait for that run to end or '
                f'stop it, then resume with -r, or start this run in a new folder (without -r).') from None
        holder = (f'pid {os.getpid()} on host {socket.gethostname()}, since {time.strftime("%Y-%m-%d %H:%M:%S")}, '
                  f'command: {" ".join([sys.executable, *sys.argv])}')
        try:
            with _naming_failures(self.path):
                os.ftruncate(fd, 0)
                os.pwrite(fd, holder.encode('utf-8'), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


class PredictionStore:
    def __init__(self, path: Path, fingerprint: str, components: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.meta_path = path.with_suffix('.meta.json')
        self.fingerprint = fingerprint
        self.components = components  # what the fingerprint hashes, kept so -r can say why it changed
        self._lock = StoreLock(path)

    def __enter__(self) -> PredictionStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Give up the write lock (a no-op when the store was only read)."""
        self._lock.release()

    def meta(self) -> dict[str, Any]:
        """The metadata file's content ({} when it is missing or unreadable)."""
        try:
            meta = json.loads(self.meta_path.read_text(encoding='utf-8'))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_meta(self, meta: dict[str, Any]) -> None:
        with _naming_failures(self.meta_path):
            write_json_atomic(self.meta_path, meta if self.components is None else
                              {**meta, 'components': self.components})

    def is_complete(self) -> bool:
        meta = self.meta()
        return meta.get('fingerprint') == self.fingerprint and bool(meta.get('complete'))

    def open_for_writing(self) -> dict[int, dict[str, Any]]:
        """Lock the store, start or resume it; returns the rows already predicted under this fingerprint.

        The lock is held until ``close()`` (or ``mark_complete``).  Rows of another
        fingerprint are discarded, and the metadata stops vouching for the old rows
        before they are removed, so no crash in between can leave a file whose
        metadata describes rows it no longer holds.
        """
        self._lock.acquire()
        try:
            reuse = self.meta().get('fingerprint') == self.fingerprint
            done: dict[int, dict[str, Any]] = {}
            if reuse and self.path.exists():
                done = {r['index']: r for r in read_records(self.path, allow_torn_tail=True)}
            self._write_meta({'fingerprint': self.fingerprint if reuse else None, 'complete': False})
            # Rewrite what survives so a torn last line from a kill is dropped for good.
            self._replace_rows(done[i] for i in sorted(done))
            if not reuse:
                self._write_meta({'fingerprint': self.fingerprint, 'complete': False})
        except BaseException:
            self.close()
            raise
        return done

    def _replace_rows(self, records: Iterable[dict[str, Any]]) -> None:
        with _naming_failures(self.path), atomic_writer(self.path) as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + '\n')

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Add rows and make them durable before returning (the caller holds the lock)."""
        with _naming_failures(self.path), open(self.path, 'a', encoding='utf-8') as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + '\n')
            fh.flush()
            os.fsync(fh.fileno())

    def mark_complete(self, count: int, total: int) -> None:
        """``count`` rows written out of the dataset's ``total`` (they differ for a shard); releases the lock.

        Every append was fsynced already, so the rows are on disk before the metadata says so.
        """
        self._write_meta({'fingerprint': self.fingerprint, 'complete': True, 'count': count, 'total': total})
        self.close()

    def mark_incomplete(self) -> None:
        """Withdraw a completeness claim the file does not bear out, so the next run resumes the store."""
        self._write_meta({'fingerprint': self.fingerprint, 'complete': False})

    def complete_total(self) -> int | None:
        """The dataset's row count recorded by a complete store of this fingerprint, else None."""
        meta = self.meta()
        complete = meta.get('fingerprint') == self.fingerprint and meta.get('complete')
        return meta.get('total') if complete else None

    def write_complete(self, records: list[dict[str, Any]], total: int) -> None:
        """Replace the store with ``records`` (every row of the dataset) and mark it complete, under the lock."""
        self._lock.acquire()
        try:
            self._write_meta({'fingerprint': None, 'complete': False})
            self._replace_rows(records)
            self.mark_complete(len(records), total)
        finally:
            self.close()


@contextmanager
def _naming_failures(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` (disk full, read-only folder, quota) into one clear paragraph."""
    try:
        yield
    except OSError as exc:
        raise PredictionFileError(
            f'Could not write {path}: {exc.strerror or exc}. The rows already written are intact (every '
            f'append is synced, and metadata and rewrites are replaced atomically). Free disk space or make '
            f'the folder writable, then resume with -r.') from exc


def read_records(path: Path, allow_torn_tail: bool = False) -> list[dict[str, Any]]:
    """Every record of a predictions file, in index order.

    ``allow_torn_tail`` (resuming only) drops an unreadable *last* line, which is what a
    kill in the middle of an append leaves; any other unreadable line raises
    ``PredictionFileError`` naming the file and line.
    """
    with open(path, encoding='utf-8', errors='replace') as fh:
        lines = fh.read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()  # the newline that ends the last record
    records = []
    for number, line in enumerate(lines, start=1):
        record = _parse(line)
        if record is not None:
            records.append(record)
        elif not (allow_torn_tail and number == len(lines)):
            raise PredictionFileError(
                f'{path}: line {number} of {len(lines)} is not a prediction record (unreadable JSON or no '
                f'integer "index"): {line[:80]!r}. The file was damaged (a crash, a full disk or another '
                f'writer), and its rows cannot be trusted: delete {path} and run again with -r to predict this '
                f'dataset again.')
    return sorted(records, key=lambda r: r['index'])


def _parse(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    ok = isinstance(record, dict) and isinstance(record.get('index'), int)
    return record if ok else None
