"""The prediction store: one writer at a time, strict reading, atomic replacement, metadata after data."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.atomic import write_json_atomic, write_text_atomic
from evalkit.tasks.prediction_store import PredictionFileError, PredictionStore, read_records
from tests.conftest import PROJECT_ROOT

HOLD_STORE = '''
import sys
from pathlib import Path
from evalkit.tasks.prediction_store import PredictionStore
store = PredictionStore(Path(sys.argv[1]), 'fp')
store.open_for_writing()
print('locked', flush=True)
sys.stdin.readline()
'''


def _record(index: int) -> dict:
    return {'index': index, 'prediction': 'A', 'gold': 'B'}


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text(''.join(line + '\n' for line in lines), encoding='utf-8')


def test_a_second_writer_is_refused_with_the_holders_pid_and_host(tmp_path: Path) -> None:
    path = tmp_path / 'ds.jsonl'
    holder = subprocess.Popen([sys.executable, '-c', HOLD_STORE, str(path)], cwd=PROJECT_ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == 'locked\n'
        with pytest.raises(PredictionFileError) as refused:
            PredictionStore(path, 'fp').open_for_writing()
        message = str(refused.value)
        assert f'{path} is being written by another evalkit process (pid {holder.pid} on host ' \
               f'{socket.gethostname()}' in message
        assert 'resume with -r' in message
    finally:
        holder.communicate('\n', timeout=30)
    with PredictionStore(path, 'fp') as store:  # the holder ended: the lock went with it
        assert store.open_for_writing() == {}


def test_the_lock_dies_with_a_killed_writer(tmp_path: Path) -> None:
    path = tmp_path / 'ds.jsonl'
    holder = subprocess.Popen([sys.executable, '-c', HOLD_STORE, str(path)], cwd=PROJECT_ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline() == 'locked\n'
    holder.kill()
    holder.wait()
    with PredictionStore(path, 'fp') as store:
        store.open_for_writing()


def test_resume_drops_only_a_torn_last_line(tmp_path: Path) -> None:
    store = PredictionStore(tmp_path / 'ds.jsonl', 'fp')
    with store:
        store.open_for_writing()
        store.append([_record(0), _record(1)])
    with open(store.path, 'a', encoding='utf-8') as fh:
        fh.write('{"index": 2, "predic')  # a kill in the middle of an append
    with store:
        assert sorted(store.open_for_writing()) == [0, 1]
    assert [r['index'] for r in read_records(store.path)] == [0, 1]  # the torn line is gone for good


def test_a_bad_line_in_the_middle_is_an_error_not_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / 'ds.jsonl'
    _write_lines(path, [json.dumps(_record(0)), '{"index": 1, "pre', json.dumps(_record(2))])
    for allow_torn_tail in (False, True):
        with pytest.raises(PredictionFileError, match=r'line 2 of 3 is not a prediction record .* delete '):
            read_records(path, allow_torn_tail=allow_torn_tail)
    write_json_atomic(path.with_suffix('.meta.json'), {'fingerprint': 'fp', 'complete': False})
    with pytest.raises(PredictionFileError, match='line 2 of 3'):
        PredictionStore(path, 'fp').open_for_writing()
    with PredictionStore(path, 'fp') as store:  # a refused open keeps no lock
        with pytest.raises(PredictionFileError):
            store.open_for_writing()


def test_a_torn_last_line_is_an_error_when_scoring(tmp_path: Path) -> None:
    path = tmp_path / 'ds.jsonl'
    path.write_text(json.dumps(_record(0)) + '\n{"index": 1', encoding='utf-8')
    with pytest.raises(PredictionFileError, match='line 2 of 2'):
        read_records(path)


def test_rows_of_another_fingerprint_are_dropped_and_no_longer_vouched_for(tmp_path: Path) -> None:
    old = PredictionStore(tmp_path / 'ds.jsonl', 'old')
    with old:
        old.open_for_writing()
        old.append([_record(0), _record(1)])
        old.mark_complete(2, 2)
    new = PredictionStore(old.path, 'new')
    with new:
        assert new.open_for_writing() == {}
    assert old.path.read_text() == ''
    assert not old.is_complete() and new.meta() == {'fingerprint': 'new', 'complete': False}


def test_metadata_says_complete_only_after_the_rows_and_write_complete_is_whole(tmp_path: Path) -> None:
    store = PredictionStore(tmp_path / 'ds.jsonl', 'fp')
    store.write_complete([_record(i) for i in range(3)], total=3)
    assert store.is_complete() and store.complete_total() == 3
    assert [r['index'] for r in read_records(store.path)] == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ds.jsonl', 'ds.lock', 'ds.meta.json']


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / 'result.json'
    write_json_atomic(path, {'accuracy': 1.0})
    with pytest.raises(TypeError):
        write_json_atomic(path, {'accuracy': object()})  # fails half-way through the JSON
    assert json.loads(path.read_text()) == {'accuracy': 1.0}
    assert [p.name for p in tmp_path.iterdir()] == ['result.json']
    write_text_atomic(path, 'new\n')
    assert path.read_text() == 'new\n' and oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_full_disk_names_the_file_and_keeps_what_was_written(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child process: its appends fail like on a full disk."""
    path = tmp_path / 'ds.jsonl'
    with PredictionStore(path, 'fp') as store:
        store.open_for_writing()
        store.append([_record(0)])
    limit = path.stat().st_size + 10
    script = (f'import resource, sys; from pathlib import Path\n'
              f'from evalkit.tasks.prediction_store import PredictionStore\n'
              f'resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n'
              f'store = PredictionStore(Path({str(path)!r}), "fp"); store.open_for_writing()\n'
              f'store.append([{{"index": 1, "prediction": "A" * 100}}])\n')
    result = subprocess.run([sys.executable, '-c', script], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert f'Could not write {path}: File too large.' in result.stderr
    assert 'resume with -r' in result.stderr
    with PredictionStore(path, 'fp') as store:  # a healthy disk again: the first row survived, intact
        assert sorted(store.open_for_writing()) == [0]
