"""The perf tool's load shapes and its command line: closed loops hold exactly N requests in flight, open
loops send on the gamma schedule, ``tools/perf.py`` writes every promised file without the key, and a
real vLLM server is measured end to end."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from evalkit.perf.client import ClientSettings, StreamingClient
from evalkit.perf.load import Budget, LevelResult, LoadLevel, run_level
from evalkit.perf.prompts import PerfPrompt
from tests.api.sse_server import ScriptedServer
from tests.conftest import PROJECT_ROOT, cli_env

STAT_KEYS = {'mean', 'median', 'std', 'p50', 'p90', 'p95', 'p99'}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def run(url: str, prompts: list[PerfPrompt], level: LoadLevel, budget: Budget) -> LevelResult:
    async def go() -> LevelResult:
        async with StreamingClient(ClientSettings(url, 'scripted')) as client:
            return await run_level(client, prompts, level, budget)

    return asyncio.run(go())


def test_closed_loop_keeps_exactly_n_requests_in_flight(server: ScriptedServer) -> None:
    result = run(server.url, [PerfPrompt('ok 0.3 0 1')], LoadLevel(parallel=3), Budget(number=7, warmup=2))
    assert server.max_in_flight == 3
    assert len(server.bodies) == 7 + 2  # the warm-up is sent, not recorded
    assert [r.index for r in result.records] == list(range(7)) and all(r.ok for r in result.records)
    assert result.duration >= 3 * 0.3  # 7 requests, 3 at a time: three rounds


def test_open_loop_sends_on_the_gamma_schedule(server: ScriptedServer) -> None:
    rate, burstiness, n = 20.0, 0.5, 8
    result = run(server.url, [PerfPrompt('ok 0 0 1')], LoadLevel(rate=rate, burstiness=burstiness), Budget(number=n))
    gaps = np.random.default_rng(0).gamma(burstiness, 1 / (rate * burstiness), size=n - 1)
    due = np.concatenate([[0.0], np.cumsum(gaps)])
    starts = np.array([r.start for r in result.records])
    assert np.all(starts >= due - 1e-3) and np.all(starts - due < 0.1)


def test_duration_ends_a_level(server: ScriptedServer) -> None:
    result = run(server.url, [PerfPrompt('ok 0.1 0 1')], LoadLevel(parallel=2), Budget(duration=0.35))
    assert 4 <= len(result.records) <= 8 and result.duration < 0.35 + 0.5


def test_cli_writes_summary_records_and_plots_and_never_the_key(server: ScriptedServer, tmp_path: Path) -> None:
    out = tmp_path / 'perf'
    env = cli_env(PERF_TEST_KEY='sk-never-written-42')
    proc = subprocess.run([sys.executable, 'tools/perf.py', '--url', server.url, '--model', 'scripted',
                           '--api-key', 'ENV:PERF_TEST_KEY', '--api', 'completions', '--parallel', '1', '2',
                           '--number', '3', '--dataset', 'gsm8k_gen', '--tokenizer', 'embedded:smollm2-135m-instruct',
                           '--slo', 'ttft:1000', '-w', str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'parallel_2' in proc.stdout and 'req/s' in proc.stdout
    assert set(server.authorizations) == {'Bearer sk-never-written-42'}
    assert server.bodies[0]['prompt'].startswith('Question:')  # the dataset's real few-shot prompt
    assert server.bodies[0]['max_tokens'] == 256  # the GSM8K config's generation limit
    summary = json.loads((out / 'perf_summary.json').read_text())
    for level in ('parallel_1', 'parallel_2'):
        s = summary['levels'][level]
        assert s['completed'] == 3 and s['tokens_from'] == ['usage']
        assert {'request_throughput', 'output_throughput', 'total_throughput', 'goodput'} <= set(s)
        assert all(set(s[m]) == STAT_KEYS for m in ('ttft', 'tpot', 'itl', 'e2el'))
        assert len((out / f'requests_{level}.jsonl').read_text().splitlines()) == 3
    assert summary['settings']['api_key'] == 'ENV:PERF_TEST_KEY'
    for name in ('latency_cdf.png', 'ttft_histogram.png', 'throughput.png'):
        assert (out / 'plots' / name).read_bytes()[:4] == b'\x89PNG'
    assert not any('sk-never-written-42' in p.read_text(errors='replace') for p in out.rglob('*') if p.is_file())


def test_a_literal_key_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, 'tools/perf.py', '--url', 'http://127.0.0.1:9/v1', '--model', 'm',
                           '--api-key', 'sk-literal', '--parallel', '1', '--number', '1', '-w', str(tmp_path)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=cli_env())
    assert proc.returncode == 2 and 'ENV:NAME' in proc.stderr and 'sk-literal' not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_real_vllm_server_at_concurrency_1_and_2(vllm_server, tmp_path: Path) -> None:
    out = tmp_path / 'perf'
    proc = subprocess.run([sys.executable, 'tools/perf.py', '--url', vllm_server.base_url, '--model',
                           vllm_server.model_name, '--parallel', '1', '2', '--number', '4', '--prompt-len', '32',
                           '--output-len', '8', '--ignore-eos', '--tokenizer', 'embedded:smollm2-135m-instruct',
                           '-w', str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, env=cli_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    levels = json.loads((out / 'perf_summary.json').read_text())['levels']
    for level in ('parallel_1', 'parallel_2'):
        s = levels[level]
        assert s['completed'] == 4 and s['failed'] == {} and s['tokens_from'] == ['usage']
        assert s['output_tokens'] == 4 * 8  # ignore_eos + min_tokens: exactly the asked length
        assert 0 < s['ttft']['mean'] < s['e2el']['mean'] and s['tpot']['mean'] > 0
    assert os.path.getsize(out / 'plots' / 'throughput.png') > 0
