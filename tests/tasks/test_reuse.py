"""Reuse is keyed by content: a killed run resumes, and editing a prompt re-runs exactly what it shaped."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from evalkit.models import engine
from evalkit.models.embedded import prepare_embedded_model
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


def _linked_model(target: Path) -> Path:
    """The embedded model's folder under ``target``: big weights hard-linked (never written), small files copied."""
    source = prepare_embedded_model()
    target.mkdir()
    for file in source.iterdir():
        (os.link if file.stat().st_size > 8 << 20 else shutil.copy2)(file, target / file.name)
    return target


def _data_root(target: Path) -> Path:
    """A data root holding a copy of the C-Eval law and logic sample files, to be edited."""
    for split in ('dev', 'val'):
        (target / 'ceval' / split).mkdir(parents=True)
        for name in ('law', 'logic'):
            shutil.copy(PROJECT_ROOT / 'data' / 'ceval' / split / f'{name}_{split}.csv', target / 'ceval' / split)
    return target


def _mtimes(run_dir: Path) -> dict[str, int]:
    return {name: (run_dir / 'predictions' / 'smollm2' / f'{name}.jsonl').stat().st_mtime_ns
            for name in ('ceval-law', 'ceval-logic')}


def _check_provenance(run_dir: Path, model: Path, data: Path) -> None:
    result = json.loads((run_dir / 'results' / 'smollm2' / 'ceval-law.json').read_text(encoding='utf-8'))
    prov = result['provenance']
    assert prov['model']['path'] == str(model) and prov['model']['local_folder'] == str(model.resolve())
    files = [data / 'ceval' / split / f'law_{split}.csv' for split in ('dev', 'val')]
    assert prov['data_files'] == {str(f): 'sha256:' + hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert prov['command'][:2] == ['run.py', str(model.parent / 'cfg.py')] and '--limit' in prov['command']
    assert prov['started'] <= prov['finished']
    assert (prov['torch'], prov['engine_version']) == (torch.__version__, engine.ENGINE_VERSION)
    meta = json.loads((run_dir / 'predictions' / 'smollm2' / 'ceval-law.meta.json').read_text(encoding='utf-8'))
    assert prov['prediction_fingerprint'] == meta['fingerprint']
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert prov['git']['commit'] == head.stdout.strip()
    summary = run_dir / 'summary'
    record = json.loads((summary / 'provenance.json').read_text(encoding='utf-8'))
    assert record['models']['smollm2'] == prov['model'] and record['data']['ceval-law']['data_files'] == prov[
        'data_files']
    assert prov['model']['identity'] in (summary / f'summary_{run_dir.name}.txt').read_text(encoding='utf-8')
    assert not re.search(r'\d{4}-\d\d-\d\d', (summary / f'summary_{run_dir.name}.csv').read_text(encoding='utf-8'))


@pytest.mark.slow
def test_changed_data_model_or_engine_reruns_exactly_what_they_shaped_and_says_why(tmp_path: Path) -> None:
    model, data, work = _linked_model(tmp_path / 'model'), _data_root(tmp_path / 'data'), tmp_path / 'out'
    config = tmp_path / 'cfg.py'
    config.write_text(TINY.replace("'embedded:smollm2-135m-instruct'", repr(str(model))), encoding='utf-8')
    env = cli_env(EVALKIT_DATA_ROOT=str(data))
    args = (str(config), '-w', str(work), '--limit', '1')

    first = run_cli(*args, '-m', 'infer', '--debug', env=env)  # --debug: tasks in this process, no start-up
    assert first.returncode == 0, first.stderr
    run_dir = only_run_dir(work)
    before = _mtimes(run_dir)

    unchanged = run_cli(*args, '-r', '-m', 'infer', env=env)
    assert unchanged.returncode == 0, unchanged.stderr
    assert 'infer:' not in unchanged.stdout and 're-running' not in unchanged.stdout
    assert _mtimes(run_dir) == before

    law_val = data / 'ceval' / 'val' / 'law_val.csv'
    law_val.write_text(law_val.read_text(encoding='utf-8').replace('8周岁', '九周岁', 1), encoding='utf-8')
    edited = run_cli(*args, '-r', '-m', 'infer', '--debug', env=env)
    assert edited.returncode == 0, edited.stderr
    assert 'ceval-law (smollm2): re-running, data file changed: ceval/val/law_val.csv' in edited.stdout
    assert 'ceval-logic (smollm2)' not in edited.stdout
    after_data = _mtimes(run_dir)
    assert after_data['ceval-law'] != before['ceval-law'] and after_data['ceval-logic'] == before['ceval-logic']
    assert '九周岁' in _predictions(run_dir, 'ceval-law')[0]['prompt']

    config_json = json.loads((model / 'config.json').read_text(encoding='utf-8'))
    (model / 'config.json').write_text(json.dumps({**config_json, '_note': 'same weights'}), encoding='utf-8')
    remodelled = run_cli(*args, '-r', '--debug', env=env)
    assert remodelled.returncode == 0, remodelled.stderr
    for name in ('ceval-law', 'ceval-logic'):
        assert f'{name} (smollm2): re-running, model files changed (config.json)' in remodelled.stdout
    assert all(_mtimes(run_dir)[k] != after_data[k] for k in after_data)
    _check_provenance(run_dir, model, data)

    # ENGINE_VERSION is a constant the lead bumps in the source.  A dry run executes no task, so setting it
    # in the one process that plans is exactly what a bump does; the real re-run path is the one above.
    bump = ('import sys; from evalkit.models import engine; engine.ENGINE_VERSION += 1; '
            'from evalkit.cli.main import main; sys.exit(main(sys.argv[1:]))')
    bumped = subprocess.run([sys.executable, '-c', bump, *args, '-r', '--dry-run'], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert bumped.returncode == 0, bumped.stderr
    version = engine.ENGINE_VERSION
    for name in ('ceval-law', 'ceval-logic'):
        assert f'{name} (smollm2): re-running, engine version changed {version} -> {version + 1}' in bumped.stdout

    # Metadata written before fingerprints had components: still read, and the reason says so.
    meta_path = run_dir / 'predictions' / 'smollm2' / 'ceval-logic.meta.json'
    old_meta = {k: v for k, v in json.loads(meta_path.read_text(encoding='utf-8')).items() if k != 'components'}
    meta_path.write_text(json.dumps({**old_meta, 'fingerprint': '0123456789abcdef'}), encoding='utf-8')
    old = run_cli(*args, '-r', '--dry-run', env=env)
    assert old.returncode == 0, old.stderr
    assert 'ceval-logic (smollm2): re-running, made by an older evalkit' in old.stdout
    assert 'ceval-law (smollm2)' not in old.stdout
