"""LocalRunner: GPUs handed out without oversubscription, CPU fallback, interrupts end task processes."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from evalkit.runners.devices import DevicePool
from tests.conftest import PROJECT_ROOT, cli_env, run_cli
from tests.fake_model import fake_config


def _trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def test_device_pool_never_hands_a_device_to_two_holders() -> None:
    pool, held, peak, lock = DevicePool(['0', '1', '2']), set(), [0], threading.Lock()

    def work(count: int) -> None:
        with pool.claim(count) as devices:
            with lock:
                assert not held & set(devices) and len(devices) == count
                held.update(devices)
                peak[0] = max(peak[0], len(held))
            time.sleep(0.01)
            with lock:
                held.difference_update(devices)

    threads = [threading.Thread(target=work, args=(1 + i % 3,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3 and sorted(pool._free) == ['0', '1', '2']


def test_tasks_get_their_own_gpus_from_a_declared_pool(tmp_path: Path) -> None:
    """Two models (1 and 2 GPUs per task) on a declared pool of 3: tasks overlap, devices never do."""
    trace = tmp_path / 'trace.jsonl'
    config = tmp_path / 'gpus.py'
    config.write_text(fake_config(subjects=('law', 'logic'), sleep=1.0, trace=str(trace),
                                  infer=dict(partitioner=dict(type='NaivePartitioner'),
                                             runner=dict(type='LocalRunner', max_num_workers=3, devices=3)))
                      + "models = [dict(models[0], abbr='one-gpu', run_cfg=dict(num_gpus=1)),\n"
                        "          dict(models[0], abbr='two-gpu', run_cfg=dict(num_gpus=2))]\n", encoding='utf-8')
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), '-m', 'infer', env=cli_env(CUDA_VISIBLE_DEVICES=''))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = _trace(trace)
    assert len(rows) == 4 and sorted(len(r['devices'].split(',')) for r in rows) == [1, 1, 2, 2]
    overlapping = [(a, b) for a in rows for b in rows if a is not b and a['start'] < b['end'] and b['start'] < a['end']]
    assert overlapping, 'tasks never ran at the same time'
    for a, b in overlapping:
        assert not set(a['devices'].split(',')) & set(b['devices'].split(',')), (a, b)
    for row in rows:
        at_once = [r for r in rows if r['start'] <= row['start'] < r['end']]
        assert sum(len(r['devices'].split(',')) for r in at_once) <= 3


def test_without_gpus_tasks_asking_for_them_run_on_cpu(tmp_path: Path) -> None:
    trace = tmp_path / 'trace.jsonl'
    config = tmp_path / 'cpu.py'
    config.write_text(fake_config(subjects=('law',), trace=str(trace)).replace("'num_gpus': 0", "'num_gpus': 2"),
                      encoding='utf-8')
    env = {k: v for k, v in cli_env().items() if k != 'CUDA_VISIBLE_DEVICES'}
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), '-m', 'infer', env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'tasks that ask for GPUs run on the CPU' in result.stdout + result.stderr
    assert {r['devices'] for r in _trace(trace)} == {''}


def test_a_task_needing_more_gpus_than_the_pool_fails_with_the_reason(tmp_path: Path) -> None:
    config = tmp_path / 'big.py'
    config.write_text(fake_config(subjects=('law',), infer=dict(runner=dict(type='LocalRunner', devices=['7'])))
                      .replace("'num_gpus': 0", "'num_gpus': 2"), encoding='utf-8')
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), '-m', 'infer', timeout=120)
    assert result.returncode == 1
    assert 'needs 2 GPUs, but the runner has 1 (7)' in result.stderr


@pytest.mark.parametrize('sig', [signal.SIGTERM], ids=['SIGTERM'])
def test_interrupt_ends_every_task_process(tmp_path: Path, sig: int) -> None:
    config = tmp_path / 'slow.py'
    config.write_text(fake_config(sleep=300, infer=dict(partitioner=dict(type='NaivePartitioner'),
                                                        runner=dict(type='LocalRunner', max_num_workers=2))))
    proc = subprocess.Popen([sys.executable, 'run.py', str(config), '-w', str(tmp_path / 'out')], cwd=PROJECT_ROOT,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while len(children := psutil.Process(proc.pid).children()) < 2:
            assert proc.poll() is None and time.time() < deadline, 'task processes never started'
            time.sleep(0.2)
        time.sleep(1)  # let them get into the model's sleep
        proc.send_signal(sig)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, alive


def test_a_failing_task_shows_its_error_inline_while_the_others_finish(tmp_path: Path) -> None:
    config = tmp_path / 'failing.py'
    config.write_text(fake_config(subjects=('law', 'logic', 'marxism'), fail_on='[ceval-logic]', fail_times=99,
                                  infer=dict(partitioner=dict(type='NaivePartitioner'),
                                             runner=dict(type='LocalRunner', max_num_workers=2))))
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), timeout=120)
    assert result.returncode == 1
    assert 'infer:fake/ceval-logic failed (exit code 1)' in result.stderr
    assert 'planned failure 1 of 99' in result.stderr  # the error itself, not only where its log is
    run_dir = next((tmp_path / 'out').iterdir())
    assert sorted(p.name for p in (run_dir / 'results' / 'fake').glob('*.json')) == ['ceval-law.json',
                                                                                  'ceval-marxism.json']
    assert (run_dir / 'logs' / 'infer' / 'fake' / 'ceval-logic.log').is_file()


def test_a_task_that_fails_once_succeeds_on_its_retry(tmp_path: Path) -> None:
    counter = tmp_path / 'failures'
    config = tmp_path / 'flaky.py'
    config.write_text(fake_config(subjects=('law', 'logic'), fail_on='[ceval-logic]', fail_times=1,
                                  counter=str(counter), infer=dict(partitioner=dict(type='NaivePartitioner'))))
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), '--retry', '1', timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert counter.read_text() == '1'
    assert 'Retrying 1 failed task(s) (attempt 2 of 2)' in result.stdout + result.stderr
    run_dir = next((tmp_path / 'out').iterdir())
    assert sorted(p.name for p in (run_dir / 'results' / 'fake').glob('*.json')) == ['ceval-law.json',
                                                                                  'ceval-logic.json']
