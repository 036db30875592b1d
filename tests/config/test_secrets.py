"""API keys: named by environment variable in configs, resolved only inside the task, never written out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.config.errors import ConfigError
from evalkit.config.secrets import (
    REDACTED,
    is_secret_name,
    literal_secrets,
    redact,
    reject_literal_secrets,
    resolve_env_references,
)
from evalkit.tasks.spec import TaskSpec
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


@pytest.mark.parametrize('name', ['api_key', 'API-KEY', 'key', 'token', 'use_auth_token', 'Authorization',
                                  'X-Api-Key', 'password', 'secret', 'hf_token', 'openai_api_key', 'client_secret'])
def test_names_people_give_credentials_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize('name', ['ice_token', 'ice_eos_token', 'pad_token', 'tokenizer_path', 'max_seq_len', 'abbr'])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)


NESTED = {'models': [{'abbr': 'm', 'model_kwargs': {'token': 'hf_literal'}, 'api_key': 'ENV:K'}],
          'eval': {'runner': {'type': 'LocalRunner'}, 'headers': ({'Authorization': 'Bearer x'},)},
          'datasets': [{'infer_cfg': {'prompt_template': {'ice_token': '</E>'}}}]}


def test_redaction_recurses_into_lists_and_tuples_and_keeps_references() -> None:
    redacted = redact(NESTED)
    assert redacted['models'][0]['model_kwargs']['token'] == REDACTED
    assert redacted['models'][0]['api_key'] == 'ENV:K'
    assert redacted['eval']['headers'][0]['Authorization'] == REDACTED
    assert redacted['datasets'][0]['infer_cfg']['prompt_template']['ice_token'] == '</E>'
    assert NESTED['models'][0]['model_kwargs']['token'] == 'hf_literal'  # a copy: the input is untouched


def test_every_literal_secret_is_found_with_its_key_path() -> None:
    assert list(literal_secrets(NESTED, 'cfg.py')) == ['cfg.py.models[0].model_kwargs.token',
                                                       'cfg.py.eval.headers[0].Authorization']
    with pytest.raises(ConfigError, match=r'eval\.headers\[0\]\.Authorization: looks like a literal secret'):
        reject_literal_secrets(NESTED['eval'], 'eval')


def test_env_references_resolve_inside_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('EVALKIT_TEST_K', SECRET)
    assert resolve_env_references({'headers': [{'Authorization': 'ENV:EVALKIT_TEST_K'}]}, 'm') == {
        'headers': [{'Authorization': SECRET}]}


def test_task_specs_are_written_redacted(tmp_path: Path) -> None:
    spec = TaskSpec(kind='infer', work_dir=str(tmp_path), datasets=({'abbr': 'd'},),
                    model={'abbr': 'm', 'api_key': 'ENV:K', 'model_kwargs': {'token': SECRET}})
    text = spec.dump(tmp_path / 'spec.json').read_text(encoding='utf-8')
    assert SECRET not in text and 'ENV:K' in text and REDACTED in text
