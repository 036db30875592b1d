"""Shared pieces of the fault-injection suite: one uninterrupted reference run, and helpers to
start, watch and kill real runs of the tiny C-Eval PPL config (2 datasets x 3 rows, one row per batch)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.conftest import PROJECT_ROOT, cli_env, only_run_dir, run_cli
from tests.runners.conftest import slurm_partition  # noqa: F401  (the real cluster, for test_slurm_kill.py)

TINY_CONFIG = PROJECT_ROOT / 'tests' / 'configs' / 'tiny_ceval_ppl.py'
DATASETS = ('ceval-law', 'ceval-logic')
ROWS = 3  # test rows of each tiny dataset


def summary_csv(run_dir: Path) -> bytes:
    (path,) = (run_dir / 'summary').glob('summary_*.csv')
    return path.read_bytes()


def predictions(run_dir: Path, dataset: str) -> Path:
    return run_dir / 'predictions' / 'smollm2' / f'{dataset}.jsonl'


def intact_rows(path: Path) -> list[str]:
    """The complete, readable lines of a predictions file (what a resume must keep)."""
    if not path.exists():
        return []
    kept = []
    for line in path.read_text(encoding='utf-8', errors='replace').split('\n')[:-1]:
        try:
            json.loads(line)
        except ValueError:
            continue
        kept.append(line)
    return kept


def same_predictions(run_dir: Path, reference_dir: Path, dataset: str) -> bool:
    """Same rows, prompts and answers as the reference, in index order (a resume that filled a gap appends
    it last; PPL scores may differ in the last float digits when a row is computed without the prefix
    cache of its neighbours)."""
    def answers(path: Path) -> list[tuple]:
        rows = (json.loads(line) for line in path.read_text(encoding='utf-8').splitlines())
        return sorted((r['index'], r['prompt'], r['prediction'], r['gold']) for r in rows)
    return answers(predictions(run_dir, dataset)) == answers(predictions(reference_dir, dataset))


def start_run(work: Path, *extra: str, log: Path | None = None, env: dict[str, str] | None = None,
              config: Path = TINY_CONFIG) -> subprocess.Popen:
    """``run.py`` in its own process group, so a test can kill it together with its task processes."""
    out = open(log, 'w', encoding='utf-8') if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, 'run.py', str(config), '-w', str(work), *extra], cwd=PROJECT_ROOT,
                                env=env or cli_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log:
            out.close()


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float = 300) -> bool:
    """True once ``condition`` holds; False if the run ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.02)
    raise AssertionError(f'timed out after {timeout} s waiting for the run')


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 the run and every task process it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def task_processes(proc: subprocess.Popen, kind: str) -> list[psutil.Process]:
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if f'evalkit.tasks.{kind}' in child.cmdline():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(scope='session')
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted run of the tiny config: what every interrupted run must end up equal to."""
    work = tmp_path_factory.mktemp('reference')
    result = run_cli(str(TINY_CONFIG), '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    return only_run_dir(work)
