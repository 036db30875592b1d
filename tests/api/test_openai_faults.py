"""The API model against a server that fails on purpose: bounded retries, immediate fatal errors,
timeouts that never hang, the token bucket's real rate, and the key kept out of what is written."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalkit.config.errors import ConfigError
from evalkit.models.openai_api import OpenAIModel
from evalkit.models.openai_api.retry import APIRequestError, APIRetriesExhausted
from tests.api.faulty_server import FaultyServer

FAST_RETRY = {'max_attempts': 4, 'initial_delay': 0.01, 'max_delay': 0.05, 'max_total_time': 10.0}


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer() as running:
        yield running


def api_model(server: FaultyServer, **settings) -> OpenAIModel:
    return OpenAIModel(**{'path': 'faulty-model', 'base_url': server.url, 'api': 'completions',
                          'retry': FAST_RETRY, **settings})


@pytest.mark.parametrize('code', [429, 503])
def test_retryable_failures_are_retried_then_answered(server: FaultyServer, code: int) -> None:
    model = api_model(server)
    assert model.generate([f'flaky {code} 2'], 5) == ['fine']
    assert len(server.arrivals) == 3
    assert model.client.stats['retried'] == 2


def test_retries_stop_at_max_attempts(server: FaultyServer) -> None:
    with pytest.raises(APIRetriesExhausted, match='failed 4 time'):
        api_model(server).generate(['status 500'], 5)
    assert len(server.arrivals) == 4


def test_retries_stop_at_max_total_time(server: FaultyServer) -> None:
    model = api_model(server, retry={'max_attempts': 1000, 'initial_delay': 0.05, 'max_delay': 0.05,
                                     'max_total_time': 0.5})
    started = time.monotonic()
    with pytest.raises(APIRetriesExhausted, match='max_total_time=0.5'):
        model.generate(['status 502'], 5)
    assert time.monotonic() - started < 2.0
    assert len(server.arrivals) < 100


@pytest.mark.parametrize('code, hint', [(401, 'API key'), (403, 'not allowed'), (404, 'model name is wrong')])
def test_auth_and_not_found_fail_at_once_naming_url_and_model(server: FaultyServer, code: int, hint: str) -> None:
    with pytest.raises(APIRequestError) as failure:
        api_model(server).generate([f'status {code}'], 5)
    message = str(failure.value)
    assert f'HTTP {code}' in message and hint in message
    assert f'{server.url}/completions' in message and "'faulty-model'" in message
    assert len(server.arrivals) == 1
    assert isinstance(failure.value, ConfigError)  # the CLI prints it as one paragraph


def test_a_stalled_server_times_out_and_never_hangs(server: FaultyServer) -> None:
    model = api_model(server, timeout=0.3, retry={**FAST_RETRY, 'max_attempts': 2})
    started = time.monotonic()
    with pytest.raises(APIRetriesExhausted, match='no answer within 0.3 s'):
        model.generate(['stall 30'], 5)
    assert time.monotonic() - started < 3.0
    assert len(server.arrivals) == 2


def test_query_per_second_limits_the_measured_rate(server: FaultyServer) -> None:
    model = api_model(server, query_per_second=20.0, max_concurrency=8)
    assert model.generate([f'ok {i}' for i in range(16)], 5) == ['fine'] * 16
    gaps = (server.arrivals[-1] - server.arrivals[0]) / (len(server.arrivals) - 1)
    assert 1 / gaps <= 20.0 * 1.1  # never faster than asked
    assert 1 / gaps >= 20.0 * 0.6  # and not needlessly slow


def test_the_key_is_sent_but_never_written(server: FaultyServer, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    secret = 'sk-test-h1-4242-do-not-leak'
    monkeypatch.setenv('H1_TEST_API_KEY', secret)
    model = api_model(server, key='ENV:H1_TEST_API_KEY', api='chat')
    model.use_response_cache(tmp_path / 'api_cache')
    assert model.generate(['ok'], 5) == ['fine']
    assert server.authorizations == [f'Bearer {secret}']
    written = ''.join(p.read_text() for p in (tmp_path / 'api_cache').iterdir())
    assert 'fine' in written and secret not in written
    assert secret not in repr(vars(model))


def test_a_literal_key_is_refused_up_front() -> None:
    with pytest.raises(ConfigError, match="key='ENV:VARIABLE'"):
        OpenAIModel.check_config({'path': 'm', 'base_url': 'http://127.0.0.1:1/v1', 'key': 'sk-literal'}, 'cfg')


def test_chat_endpoints_refuse_scoring_clearly(server: FaultyServer) -> None:
    with pytest.raises(ConfigError, match="api='completions'"):
        api_model(server, api='chat').perplexity(['some text'])
