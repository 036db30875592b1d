"""The perf tool's client and metrics against a scripted streaming server: metric definitions on streams
with known timing, failures counted by kind, retries as configured, and no request outliving its deadline."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Sequence

import pytest

from evalkit.perf.client import ClientSettings, RequestRecord, RetryPolicy, StreamingClient
from evalkit.perf.load import Budget, LevelResult, LoadLevel, run_level
from evalkit.perf.metrics import Slo, summarize
from evalkit.perf.prompts import PerfPrompt
from tests.api.sse_server import ScriptedServer

# Timing slack for a loaded 2-core machine: lower bounds are exact, upper bounds generous.
SLACK = 1.0


@pytest.fixture(scope='module')
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def run(server: ScriptedServer, scripts: Sequence[str], level: LoadLevel, *, api: str = 'chat',
        retry: RetryPolicy | None = None, stall_timeout: float = 5.0, deadline: float = 10.0,
        count_tokens=None, prompts: Sequence[PerfPrompt] = ()) -> LevelResult:
    settings = ClientSettings(server.url, 'scripted', api, max_tokens=16, stall_timeout=stall_timeout,
                              deadline=deadline, retry=retry or RetryPolicy())
    prompts = list(prompts) or [PerfPrompt(s) for s in scripts]

    async def go() -> LevelResult:
        async with StreamingClient(settings, count_tokens) as client:
            return await run_level(client, prompts, level, Budget(number=len(prompts)))

    return asyncio.run(go())


@pytest.mark.parametrize('api', ['chat', 'completions'])
def test_metric_definitions_on_a_stream_with_known_timing(server: ScriptedServer, api: str) -> None:
    # 0.2 s to the first content (chat streams open with an empty role delta at once: it must not count),
    # then 4 more chunks 0.05 s apart
    result = run(server, ['ok 0.2 0.05 5'] * 2, LoadLevel(parallel=1), api=api)
    for record in result.records:
        assert record.ok and record.output_tokens == 5 and record.tokens_from == 'usage'
        assert 0.2 <= record.ttft < 0.2 + SLACK
        # one gap per later content delta (not the role delta, not the usage chunk); gaps are timed at
        # arrival, so a late chunk shortens the next gap on a loaded machine, but their sum is the span
        assert len(record.itl) == 4 and all(gap >= 0 for gap in record.itl)
        assert 4 * 0.05 - 1e-3 <= sum(record.itl) < 4 * 0.05 + SLACK
        assert record.e2el >= record.ttft + sum(record.itl)
        assert record.tpot == pytest.approx((record.e2el - record.ttft) / 4)
    summary = summarize(result.records, result.duration)
    assert summary['completed'] == 2 and summary['failed'] == {}
    assert summary['request_throughput'] == pytest.approx(2 / result.duration)
    assert summary['output_throughput'] == pytest.approx(10 / result.duration)
    assert summary['total_throughput'] == pytest.approx((10 + 14) / result.duration)
    assert summary['ttft']['mean'] == pytest.approx(sum(r.ttft for r in result.records) / 2)
    assert set(summary['e2el']) == {'mean', 'median', 'std', 'p50', 'p90', 'p95', 'p99'}


def test_failures_are_counted_by_kind_and_retried_as_configured(server: ScriptedServer) -> None:
    scripts = ['status 429', 'status 500', 'status 404', 'stall 30', 'cut', 'flaky 1', 'ok 0 0 2']
    started = time.monotonic()
    result = run(server, scripts, LoadLevel(parallel=7), retry=RetryPolicy(retries=2, backoff=0.01),
                 stall_timeout=0.5)
    assert time.monotonic() - started < 3 * 0.5 + 4  # three stalled attempts, never a hang
    by_script = dict(zip(scripts, result.records))
    kinds = ['http_429', 'http_5xx', 'http_404', 'stall', 'broken_stream', None, None]
    assert [by_script[s].error_kind for s in scripts] == kinds
    assert [by_script[s].attempts for s in scripts] == [3, 3, 1, 3, 3, 2, 1]  # a 404 is not worth retrying
    summary = summarize(result.records, result.duration)
    assert summary['failed'] == {'broken_stream': 1, 'http_404': 1, 'http_429': 1, 'http_5xx': 1, 'stall': 1}
    assert summary['completed'] == 2 and summary['retried'] == 5
    assert summary['ttft']['mean'] is not None  # only the answered requests are in the latencies


def test_a_never_ending_stream_fails_at_the_deadline(server: ScriptedServer) -> None:
    started = time.monotonic()
    result = run(server, ['trickle 0.1'], LoadLevel(parallel=1), stall_timeout=5, deadline=1.0)
    assert time.monotonic() - started < 1.0 + 2
    assert result.records[0].error_kind == 'timeout' and not result.records[0].ok


def test_token_counts_fall_back_to_the_tokenizer_without_usage(server: ScriptedServer) -> None:
    result = run(server, ['nousage 0 0 3'], LoadLevel(parallel=1), api='completions',
                 count_tokens=lambda text: len(text.split()))
    record = result.records[0]
    assert record.text == 'w w w ' and record.output_tokens == 3 and record.tokens_from == 'tokenizer'
    assert record.prompt_tokens == 4  # the prompt 'nousage 0 0 3', counted the same way


def test_goodput_counts_requests_within_every_objective() -> None:
    fast = RequestRecord(0, ok=True, ttft=0.1, e2el=0.5, output_tokens=5)      # tpot 0.1
    slow_first = RequestRecord(1, ok=True, ttft=0.9, e2el=1.0, output_tokens=2)  # tpot 0.1
    one_token = RequestRecord(2, ok=True, ttft=0.2, e2el=0.2, output_tokens=1)   # no tpot to miss
    failed = RequestRecord(3, ok=False, error_kind='http_5xx')
    summary = summarize([fast, slow_first, one_token, failed], 2.0, Slo.parse(['ttft:500', 'tpot:150']))
    assert summary['goodput'] == pytest.approx(2 / 2.0)
    assert summary['slo'] == {'ttft': 0.5, 'tpot': 0.15}
    assert summary['failed'] == {'http_5xx': 1}


def test_a_replay_file_sends_its_dialogues_and_limits(server: ScriptedServer, tmp_path) -> None:
    from evalkit.perf.prompts import file_prompts

    replay = tmp_path / 'replay.jsonl'
    dialogue = [{'role': 'system', 'content': 'be brief'}, {'role': 'user', 'content': '2+2?'},
                {'role': 'assistant', 'content': '4'}, {'role': 'user', 'content': 'ok 0 0 2'}]
    replay.write_text(json.dumps({'messages': dialogue, 'max_tokens': 7}) + '\n' +
                      json.dumps({'prompt': 'ok 0 0 1'}) + '\n')
    prompts = file_prompts(replay)
    assert prompts[0].messages() == dialogue and prompts[0].output_len == 7 and prompts[1].text() == 'ok 0 0 1'
    sent = len(server.bodies)
    result = run(server, [], LoadLevel(parallel=1), prompts=prompts[:1])
    assert result.records[0].ok and server.bodies[sent]['messages'] == dialogue
    assert server.bodies[sent]['max_tokens'] == 7 and server.bodies[sent]['stream_options'] == {'include_usage': True}
