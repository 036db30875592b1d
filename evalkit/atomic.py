"""Files that a reader sees whole or not at all.

Every file that vouches for something (results, summaries, prediction metadata, a
rewritten predictions file) is written to a temporary file beside it, flushed and
fsynced, then renamed over the target, and the folder is fsynced so the rename itself
survives a power cut.  The temporary name is unique (``tempfile.mkstemp``), so two
processes writing the same file never share a temporary file, and a failed write
removes its temporary file and leaves the old target untouched.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it; done once, at import, before any worker thread exists
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is already synced
    finally:
        os.close(fd)


@contextmanager
def naming_failures(path: Path) -> Iterator[None]:
    """Give an OSError raised while writing ``path`` that path: a failed ``write()`` (a full disk) names no file,
    and an error without a file name cannot tell the user where to look."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


@contextmanager
def atomic_writer(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A text handle (bytes with ``binary``, e.g. for images) whose content replaces ``path`` in one step
    when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with naming_failures(path), (os.fdopen(fd, 'wb') if binary else os.fdopen(fd, 'w', encoding='utf-8')) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the mode open() would
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``; readers see the old file or the new one, never half of one."""
    with atomic_writer(path) as fh:
        fh.write(text)


def write_json_atomic(path: Path, payload: Any) -> None:
    """Replace ``path`` with ``payload`` as JSON, atomically (see ``write_text_atomic``)."""
    with atomic_writer(path) as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
