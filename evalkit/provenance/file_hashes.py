"""Cheap content hashes of files, remembered by what ``stat()`` says about them.

Reuse and provenance hash data files and model files on every run, often many times
per process, so a digest is computed once per file version: it is cached in memory
and in ``<evalkit cache>/file-hashes.json``, keyed by (resolved path, size, mtime,
ctime, inode).  Any write to a file changes its ctime, which a user cannot set back,
so an edited file is always hashed again; a copied file merely misses the cache.

Data files are hashed whole (one edited row must count).  Model weights are not:
reading gigabytes per task would cost more than the evaluation, so a weights file is
known by its size, its safetensors header (every tensor's name, dtype, shape and
offset) and 16 blocks of 64 KiB spread over the file.  Any re-save, fine-tune or
conversion changes those; an edit confined to bytes no block covers would not.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from evalkit.atomic import write_json_atomic
from evalkit.models.embedded import cache_root

WHOLE_FILE_LIMIT = 8 << 20  # model files up to this size (configs, tokenizers) are hashed whole
_SAMPLE_BLOCKS = 16
_SAMPLE_SIZE = 64 << 10
_MAX_HEADER = 100 << 20  # a safetensors header larger than this is not a header
_CACHE_ENTRIES = 20_000  # oldest entries are dropped beyond this


class _DigestCache:
    """Digests by file version, loaded from disk on first use and saved after each new digest."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._entries: dict[str, str] | None = None

    @property
    def path(self) -> Path:
        return self._path or cache_root() / 'file-hashes.json'

    def _load(self) -> dict[str, str]:
        if self._entries is None:
            try:
                loaded = json.loads(self.path.read_text(encoding='utf-8'))
            except (OSError, ValueError):
                loaded = {}
            self._entries = loaded if isinstance(loaded, dict) else {}
        return self._entries

    def get(self, key: str) -> str | None:
        return self._load().get(key)

    def put(self, key: str, digest: str) -> None:
        entries = self._load()
        entries[key] = digest
        while len(entries) > _CACHE_ENTRIES:
            entries.pop(next(iter(entries)))
        try:
            write_json_atomic(self.path, entries)
        except OSError:
            pass  # a read-only or full cache folder only costs hashing again next time


_cache = _DigestCache()


def _version_key(kind: str, path: Path) -> tuple[str, os.stat_result]:
    resolved = path.resolve()
    st = resolved.stat()
    return f'{kind}|{resolved}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}', st


def _cached(kind: str, path: Path, compute: Callable[[Path, int], str]) -> str:
    key, st = _version_key(kind, path)
    digest = _cache.get(key)
    if digest is None:
        digest = compute(path, st.st_size)
        _cache.put(key, digest)
    return digest


def _whole(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(1 << 20), b''):
            digest.update(block)
    return f'sha256:{digest.hexdigest()}'


def _safetensors_header(fh: BinaryIO, size: int) -> bytes:
    prefix = fh.read(8)
    if len(prefix) < 8:
        return b''
    (length,) = struct.unpack('<Q', prefix)
    return prefix + fh.read(length) if length <= min(size - 8, _MAX_HEADER) else b''


def _sampled(path: Path, size: int) -> str:
    digest = hashlib.sha256(str(size).encode())
    with open(path, 'rb') as fh:
        if path.suffix == '.safetensors':
            digest.update(_safetensors_header(fh, size))
        last = max(size - _SAMPLE_SIZE, 0)
        for i in range(_SAMPLE_BLOCKS):
            fh.seek(last * i // (_SAMPLE_BLOCKS - 1))
            digest.update(fh.read(_SAMPLE_SIZE))
    return f'sampled-sha256:{digest.hexdigest()}'


def content_digest(path: Path) -> str:
    """``sha256:<hex>`` of the whole file (cached per file version)."""
    return _cached('whole', Path(path), _whole)


def model_file_digest(path: Path) -> str:
    """A model file's digest: whole for small files, size + header + sampled blocks for weights."""
    path = Path(path)
    if path.stat().st_size <= WHOLE_FILE_LIMIT:
        return content_digest(path)
    return _cached('sampled', path, _sampled)
