"""Reuse is keyed by content: a killed run resumes, and editing a prompt re-runs exactly what it shaped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, cli_env, only_run_dir, run_cli

TINY = (PROJECT_ROOT / 'tests' / 'configs' / 'tiny_ceval_ppl.py').read_text(encoding='utf-8')


def _write_config(path: Path, law_prefix: str = '', logic_prefix: str = '') -> str:
    text = TINY.replace("for name in ('law', 'logic')", "for name, prefix in (('law', LAW), ('logic', LOGIC))")
    text = text.replace("f'PROMPT_PREFIX{{question}}", "prefix + f'{{question}}")
    path.write_text(f'LAW = {law_prefix!r}\nLOGIC = {logic_prefix!r}\n' + text, encoding='utf-8')
    return str(path)


def _predictions(run_dir: Path, dataset: str) -> list[dict]:
    lines = (run_dir / 'predictions' / 'smollm2' / f'{dataset}.jsonl').read_text(encoding='utf-8').splitlines()
    return [json.loads(line) for line in lines]


def _wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and len(path.read_text(encoding='utf-8').splitlines()) >= rows:
            return
        assert proc.poll() is None, 'run ended before it could be interrupted'
        time.sleep(0.2)
    raise AssertionError(f'{path} never reached {rows} rows')


@pytest.mark.slow
def test_killed_run_resumes_with_identical_results(tmp_path: Path) -> None:
    config = _write_config(tmp_path / 'cfg.py')
    reference = run_cli(config, '-w', str(tmp_path / 'ref'), '-m', 'infer')
    assert reference.returncode == 0, reference.stderr
    expected = _predictions(only_run_dir(tmp_path / 'ref'), 'ceval-law')

    work = tmp_path / 'killed'
    proc = subprocess.Popen([sys.executable, 'run.py', config, '-w', str(work)], cwd=PROJECT_ROOT,
                            env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        # Wait until the infer subprocess has written one chunk (chunk_size=1) of the first dataset.
        deadline = time.time() + 300
        while not list(work.glob('*/predictions/smollm2/ceval-law.jsonl')) and time.time() < deadline:
            assert proc.poll() is None, 'run ended before it could be interrupted'
            time.sleep(0.2)
        pred = next(work.glob('*/predictions/smollm2/ceval-law.jsonl'))
        _wait_for_rows(pred, 1, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its infer subprocess, mid-dataset
        proc.wait()
    partial = len(pred.read_text(encoding='utf-8').splitlines())
    assert 1 <= partial < 3, 'the kill should land mid-dataset'

    resumed = run_cli(config, '-w', str(work), '-r', 'latest')
    assert resumed.returncode == 0, resumed.stderr
    run_dir = only_run_dir(work)
    log = (run_dir / 'logs' / 'infer' / 'smollm2' / 'ceval-law+1more.log').read_text(encoding='utf-8')
    assert f'resuming, {partial} of 3 rows already predicted' in log
    assert _predictions(run_dir, 'ceval-law') == expected
    assert json.loads((run_dir / 'results' / 'smollm2' / 'ceval-law.json').read_text())['num_examples'] == 3


@pytest.mark.slow
def test_prompt_edit_reruns_only_what_it_changed(tmp_path: Path) -> None:
    config = tmp_path / 'cfg.py'
    work = tmp_path / 'out'
    first = run_cli(_write_config(config), '-w', str(work))
    assert first.returncode == 0, first.stderr
    run_dir = only_run_dir(work)
    law_file = run_dir / 'predictions' / 'smollm2' / 'ceval-law.jsonl'
    logic_file = run_dir / 'predictions' / 'smollm2' / 'ceval-logic.jsonl'
    law_mtime, logic_mtime = law_file.stat().st_mtime_ns, logic_file.stat().st_mtime_ns
    version_before = json.loads((run_dir / 'results' / 'smollm2' / 'ceval-law.json').read_text())['version']

    # Same config again: nothing to infer.
    again = run_cli(str(config), '-w', str(work), '-r')
    assert again.returncode == 0, again.stderr
    assert 'infer:' not in again.stdout + again.stderr
    assert law_file.stat().st_mtime_ns == law_mtime

    # Edit only the law prompt: law is predicted again under a new version, logic is reused.
    _write_config(config, law_prefix='请回答：')
    edited = run_cli(str(config), '-w', str(work), '-r', 'latest')
    assert edited.returncode == 0, edited.stderr
    assert law_file.stat().st_mtime_ns != law_mtime
    assert logic_file.stat().st_mtime_ns == logic_mtime
    assert all(r['prompt'].startswith('请回答：') for r in _predictions(run_dir, 'ceval-law'))
    version_after = json.loads((run_dir / 'results' / 'smollm2' / 'ceval-law.json').read_text())['version']
    assert version_after != version_before
    assert version_after in (run_dir / 'summary' / f'summary_{run_dir.name}.txt').read_text()
