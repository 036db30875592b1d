"""kill -9 at 20 seeded random points of a real run, each followed by ``-r latest``: the run ends with
the summary an uninterrupted run writes, byte for byte, and no resume recomputes a row that was on disk.

The points cover the runner with its tasks (the whole process group), the inference task alone
mid-batch (one row per batch, killed a random time after a row was appended; a run whose inference
ends before enough such kills landed is started afresh), the gap between
inference and evaluation, the evaluation task, and the writing of the summary.  Inference points
come first (each needs the model loaded, the expensive part); the rest are cheap re-evaluations.
"""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.conftest import only_run_dir
from tests.reliability.conftest import (
    DATASETS,
    ROWS,
    intact_rows,
    kill_group,
    predictions,
    same_predictions,
    start_run,
    summary_csv,
    task_processes,
    wait_until,
)

SEED = 20261201
KILL_POINTS = 20
INFERENCE_POINTS = 4  # one new row at least before each, so they always land mid-inference


def _run_dir(work: Path) -> Path | None:
    runs = list(work.iterdir()) if work.exists() else []
    return only_run_dir(work) if runs else None


def _rows_on_disk(run_dir: Path | None) -> dict[str, list[str]]:
    return {ds: intact_rows(predictions(run_dir, ds)) if run_dir else [] for ds in DATASETS}


def _infer_logs(run_dir: Path) -> list[Path]:
    return list((run_dir / 'logs' / 'infer').rglob('*.log'))


def _kill(proc: subprocess.Popen, target: str) -> str:
    """kill -9 a task process alone (the runner then ends by itself), or the runner with its tasks."""
    for kind in ('infer', 'evaluate') if target == 'task' else ():
        for task in task_processes(proc, kind):
            try:
                task.kill()
            except psutil.NoSuchProcess:
                continue  # it ended on its own just now
            proc.wait(timeout=120)  # the runner sees its task die, reports it and ends by itself
            return f'{kind} task'
    kill_group(proc)
    return 'runner and tasks'


def _complete(run_dir: Path | None) -> set[str]:
    """Datasets whose metadata says their predictions are complete."""
    def says_complete(ds: str) -> bool:
        meta = predictions(run_dir, ds).with_suffix('.meta.json')
        return meta.exists() and bool(json.loads(meta.read_text(encoding='utf-8')).get('complete'))
    return {ds for ds in DATASETS if run_dir and says_complete(ds)}


def _check_nothing_recomputed(run_dir: Path, before: dict[str, list[str]], complete: set[str]) -> None:
    """The attempt's infer log (if it got that far) shows every row on disk before it was reused."""
    text = ''.join(log.read_text(encoding='utf-8', errors='replace') for log in _infer_logs(run_dir))
    for ds, rows in before.items():
        if ds in complete:
            assert f'{ds}: predictions complete' not in text, f'{ds} was complete but predicted again'
        elif rows:
            match = re.search(rf'{ds}: resuming, (\d+) of {ROWS} rows already predicted', text)
            if match:
                assert int(match.group(1)) == len(rows), (ds, match.group(0), len(rows))


def _moment(proc: subprocess.Popen, run_dir: Path, rng: random.Random) -> tuple[str, Callable[[], bool]]:
    """A random moment of a re-evaluation: some time after the start, while the evaluation task runs,
    or as the summary is written (the results of both datasets just rewritten)."""
    kind = rng.choice(['after start', 'evaluation', 'summary'])
    started = time.monotonic()
    if kind == 'after start':
        at = started + rng.uniform(0.2, 4.0)
        return kind, lambda: time.monotonic() >= at
    if kind == 'evaluation':
        return kind, lambda: bool(task_processes(proc, 'evaluate'))
    since = time.time()
    results = [run_dir / 'results' / 'smollm2' / f'{ds}.json' for ds in DATASETS]
    return kind, lambda: all(p.exists() and p.stat().st_mtime >= since for p in results)


@pytest.mark.slow
def test_kill_9_at_random_points_then_resume_gives_the_uninterrupted_summary(
        reference_run: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    work = tmp_path / 'out'
    kills, attempts, landed = 0, 0, []
    while kills < KILL_POINTS:
        attempts += 1
        assert attempts <= 3 * KILL_POINTS, f'only {kills} kills landed in {attempts} attempts: {landed}'
        run_dir = _run_dir(work)
        if kills < INFERENCE_POINTS and run_dir and sum(map(len, _rows_on_disk(run_dir).values())) == ROWS * 2:
            # inference finished before enough kills landed in it (a fast machine): start afresh
            shutil.rmtree(work)
            run_dir = None
        before, complete = _rows_on_disk(run_dir), _complete(run_dir)
        for log in _infer_logs(run_dir) if run_dir else []:
            log.unlink()  # what the attempt logs is then its own
        proc = start_run(work, *(['-r', 'latest'] if run_dir else []), log=tmp_path / f'attempt{attempts}.log')
        started = time.monotonic()
        target = rng.choice(['group', 'task'])
        if kills < INFERENCE_POINTS:
            done = sum(map(len, before.values()))
            kind = f'after row {done + 1}'
            hit = wait_until(lambda done=done: sum(map(len, _rows_on_disk(_run_dir(work)).values())) > done, proc)
            time.sleep(rng.uniform(0.0, 0.3))
        else:
            kind, moment = _moment(proc, run_dir, rng)
            hit = wait_until(moment, proc)
            time.sleep(rng.uniform(0.0, 0.5) if kind == 'evaluation' else 0.0)
        if hit and proc.poll() is None:
            killed = _kill(proc, target)
            kills += 1
            landed.append(f'{kind}: {killed} at {time.monotonic() - started:.1f}s')
        else:
            proc.wait()
        _check_nothing_recomputed(only_run_dir(work), before, complete)

    run_dir = only_run_dir(work)
    before, complete = _rows_on_disk(run_dir), _complete(run_dir)
    for log in _infer_logs(run_dir):
        log.unlink()
    final = start_run(work, '-r', 'latest', log=tmp_path / 'final.log')
    assert final.wait(timeout=600) == 0, (tmp_path / 'final.log').read_text()[-3000:]
    _check_nothing_recomputed(run_dir, before, complete)
    assert summary_csv(run_dir) == summary_csv(reference_run), landed
    for ds in DATASETS:
        assert same_predictions(run_dir, reference_run, ds), ds
