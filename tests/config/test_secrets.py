"""API keys: named by environment variable in configs, resolved only inside the task, never written out."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli_env, run_cli
from tests.fake_model import fake_config, text_digest

SECRET = 'sk-evalkit-test-5f3a9c'


def test_env_reference_reaches_the_model_and_no_file_of_the_run(tmp_path: Path) -> None:
    trace = tmp_path / 'trace.jsonl'
    config = tmp_path / 'keyed.py'
    config.write_text(fake_config(subjects=('law',), trace=str(trace), api_key='ENV:EVALKIT_TEST_API_KEY'))
    work = tmp_path / 'out'
    result = run_cli(str(config), '-w', str(work), env=cli_env(EVALKIT_TEST_API_KEY=SECRET), timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(line) for line in trace.read_text(encoding='utf-8').splitlines()]
    assert rows and {r['api_key_hash'] for r in rows} == {text_digest(SECRET)}  # the model got the value
    assert SECRET not in result.stdout + result.stderr
    written = [p for p in work.rglob('*') if p.is_file()]
    assert any(p.suffix == '.py' for p in written) and any('tasks' in p.parts for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    dumped = next((p for p in written if p.parent.name == 'configs'), None)
    assert dumped is not None and 'ENV:EVALKIT_TEST_API_KEY' in dumped.read_text(encoding='utf-8')


def test_unset_env_reference_fails_naming_the_variable(tmp_path: Path) -> None:
    config = tmp_path / 'keyed.py'
    config.write_text(fake_config(subjects=('law',), api_key='ENV:EVALKIT_TEST_UNSET_KEY'))
    env = {k: v for k, v in cli_env().items() if k != 'EVALKIT_TEST_UNSET_KEY'}
    result = run_cli(str(config), '-w', str(tmp_path / 'out'), env=env, timeout=120)
    assert result.returncode == 1
    assert 'EVALKIT_TEST_UNSET_KEY' in result.stderr and 'is not set' in result.stderr
