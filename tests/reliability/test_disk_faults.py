"""A read-only predictions folder and a full disk while a run resumes: the run fails with an error naming
the path, nothing already written is damaged, and a resume on a healthy disk finishes with the
summary an uninterrupted run writes.

Both faults are real file-system states (a read-only bind mount, a full size-limited tmpfs), so
they need root to mount; without it the test is skipped with that reason (the store's own handling
of a full disk is also covered without root, by ``tests/tasks/test_prediction_store.py``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.reliability.conftest import TINY_CONFIG, intact_rows, predictions, same_predictions, summary_csv

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='mounting a read-only folder or a small tmpfs needs root')


def _mount(*args: str) -> None:
    subprocess.run(['mount', *args], check=True, capture_output=True, timeout=60)


def _umount(path: Path) -> None:
    subprocess.run(['umount', str(path)], check=True, capture_output=True, timeout=60)


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    _mount('--bind', str(folder), str(folder))
    try:
        _mount('-o', 'remount,bind,ro', str(folder))
        yield
    finally:
        _umount(folder)


@contextmanager
def full_disk(folder: Path) -> Iterator[None]:
    """Fill the tmpfs ``folder`` lives on to its last byte, and free it afterwards."""
    filler = folder / 'filler'
    with open(filler, 'wb', buffering=0) as fh:
        try:
            while fh.write(b'\0' * 4096):
                pass
        except OSError:
            pass  # full
    try:
        yield
    finally:
        filler.unlink()


def _half_done_copy(reference_run: Path, work: Path) -> Path:
    """The reference run as a kill during its second dataset leaves it: ceval-logic has 1 of 3 rows."""
    run_dir = work / reference_run.name
    shutil.copytree(reference_run, run_dir)
    logic = predictions(run_dir, 'ceval-logic')
    logic.write_text(intact_rows(logic)[0] + '\n', encoding='utf-8')
    meta_path = logic.with_suffix('.meta.json')
    meta = json.loads(meta_path.read_text(encoding='utf-8'))
    meta_path.write_text(json.dumps({k: v for k, v in meta.items() if k not in ('count', 'total')} |
                                    {'complete': False}), encoding='utf-8')
    shutil.rmtree(run_dir / 'results')
    shutil.rmtree(run_dir / 'summary')
    return run_dir


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (run_dir / 'predictions' / 'smollm2').glob('*.json*')}


@pytest.mark.slow
@pytest.mark.parametrize('fault', ['read-only', 'disk full'])
def test_a_write_fault_is_named_harmless_and_recoverable(reference_run: Path, tmp_path: Path, fault: str) -> None:
    work = tmp_path / 'out'
    work.mkdir()
    if fault == 'disk full':
        _mount('-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', str(work))
    try:
        run_dir = _half_done_copy(reference_run, work)
        before = _snapshot(run_dir)
        faulty = read_only(run_dir / 'predictions') if fault == 'read-only' else full_disk(work)
        with faulty:
            failed = run_cli(str(TINY_CONFIG), '-w', str(work), '-r', 'latest')
        assert failed.returncode != 0
        reason = 'Read-only file system' if fault == 'read-only' else 'No space left on device'
        named = [line for line in failed.stderr.splitlines() if reason in line and str(run_dir) in line]
        assert named, failed.stderr[-3000:]
        assert _snapshot(run_dir) == before, 'the failed run changed what was already written'

        resumed = run_cli(str(TINY_CONFIG), '-w', str(work), '-r', 'latest')
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert summary_csv(run_dir) == summary_csv(reference_run)
        for ds in ('ceval-law', 'ceval-logic'):
            assert same_predictions(run_dir, reference_run, ds), ds
    finally:
        if fault == 'disk full':
            _umount(work)
