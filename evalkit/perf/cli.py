"""``python tools/perf.py``: stress-test an OpenAI-compatible endpoint and write what it measured.

    python tools/perf.py --url http://127.0.0.1:8011/v1 --model smollm2 --parallel 1 4 8 --number 64 \\
        --prompt-len 128 --output-len 64 --ignore-eos -w outputs/perf
    python tools/perf.py --url URL --model NAME --api-key ENV:OPENAI_API_KEY --rate 2 --duration 60 \\
        --dataset gsm8k_gen --slo ttft:500 tpot:50 -w outputs/perf_rate

The key is read from the environment at start and is never printed or written.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.request
from pathlib import Path

from evalkit.config.errors import ConfigError
from evalkit.config.secrets import ENV_PREFIX, resolve_env_references
from evalkit.perf.client import ClientSettings, RetryPolicy, StreamingClient
from evalkit.perf.load import Budget, LevelResult, LoadLevel, run_level
from evalkit.perf.metrics import Slo, summarize
from evalkit.perf.prompts import (
    LengthDistribution,
    PerfPrompt,
    TokenCounter,
    dataset_prompts,
    file_prompts,
    synthetic_prompts,
)
from evalkit.perf.report import progress_bar, table, write_outputs


def build_parser(prog: str = 'tools/perf.py') -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--url', required=True, help='base URL of the OpenAI-compatible API, e.g. http://HOST:PORT/v1')
    p.add_argument('--model', required=True, help='model name the server serves')
    p.add_argument('--api-key', help='ENV:NAME: the key is read from environment variable NAME')
    p.add_argument('--api', choices=['chat', 'completions'], default='chat', help='endpoint (default chat)')
    load = p.add_mutually_exclusive_group(required=True)
    load.add_argument('--parallel', type=int, nargs='+', metavar='N', help='closed loop: N concurrent users, '
                      'several values for a saturation curve')
    load.add_argument('--rate', type=float, nargs='+', metavar='R', help='open loop: R requests/s')
    p.add_argument('--burstiness', type=float, default=1.0, help='open-loop gamma shape: 1 = Poisson (default)')
    p.add_argument('--number', type=int, help='requests per load level')
    p.add_argument('--duration', type=float, help='seconds of sending per load level')
    p.add_argument('--warmup', type=int, default=0, help='unmeasured requests before each level (default 0)')
    src = p.add_argument_group('prompts (a JSONL file, a dataset config, else synthetic)')
    src.add_argument('--prompts', type=Path, help='JSONL: {"prompt": TEXT} or {"messages": [...]}, '
                     'optionally "max_tokens", one request a line')
    src.add_argument('--dataset', help='dataset config name or config file whose prompts to send')
    src.add_argument('--dataset-abbr', help='which dataset of that config (default: its first)')
    src.add_argument('--prompt-len', default='128', help='synthetic prompt tokens: N, uniform:LO:HI, normal:M:S')
    src.add_argument('--output-len', help='synthetic output tokens per request (same forms); sets max tokens')
    src.add_argument('--num-prompts', type=int, help='distinct prompts (default: --number, else 256)')
    src.add_argument('--tokenizer', help="tokenizer folder or embedded:NAME (default: the server's model folder)")
    src.add_argument('--seed', type=int, default=0)
    req = p.add_argument_group('requests')
    req.add_argument('--max-tokens', type=int, default=128, help='generation limit (default 128)')
    req.add_argument('--min-tokens', type=int, help='minimum generated tokens (vLLM extension)')
    req.add_argument('--ignore-eos', action='store_true', help='generate to the limit (vLLM extension)')
    req.add_argument('--temperature', type=float, default=0.0)
    req.add_argument('--retries', type=int, default=0, help='extra attempts on 429, 5xx, connect errors, stalls and '
                     'broken streams, with exponential backoff and jitter (default 0, as vllm bench serve)')
    req.add_argument('--stall-timeout', type=float, default=60.0, help='fail a stream silent this long (s)')
    req.add_argument('--deadline', type=float, default=600.0, help='fail a request not done in this time (s)')
    p.add_argument('--slo', nargs='+', default=[], metavar='METRIC:MS', help='goodput objectives: ttft/tpot/e2el')
    p.add_argument('-w', '--work-dir', required=True, type=Path, help='output folder')
    return p


def api_key(reference: str | None) -> str | None:
    if reference is None:
        return None
    if not reference.startswith(ENV_PREFIX):
        raise ConfigError("--api-key must name an environment variable as ENV:NAME (got a literal value): keys "
                          "never go on a command line, where shell history and process lists show them.")
    return resolve_env_references(reference, '--api-key')


def default_tokenizer(url: str, model: str) -> str | None:
    """The folder the server loaded ``model`` from, when it says so (vLLM's ``/models`` ``root``) and it
    exists here: the same tokenizer as the server's."""
    try:
        with urllib.request.urlopen(url.rstrip('/') + '/models', timeout=10) as answer:
            served = json.loads(answer.read()).get('data', [])
    except (OSError, ValueError, AttributeError):
        return None
    roots = [m.get('root') for m in served if m.get('id') == model]
    return roots[0] if roots and roots[0] and Path(roots[0]).is_dir() else None


def build_prompts(args: argparse.Namespace, counter: TokenCounter | None) -> list[PerfPrompt]:
    count = args.num_prompts or args.number or 256
    if args.prompts:
        return file_prompts(args.prompts)
    if args.dataset:
        return dataset_prompts(args.dataset, args.dataset_abbr, count)
    if counter is None:
        raise ConfigError('synthetic prompts are counted in tokens of the model: give --tokenizer (a model folder '
                          'or embedded:NAME), or send a dataset\'s prompts with --dataset.')
    output_len = LengthDistribution.parse(args.output_len, '--output-len') if args.output_len else None
    return synthetic_prompts(counter.tokenizer, count, LengthDistribution.parse(args.prompt_len, '--prompt-len'),
                             output_len, args.seed)


async def run_levels(client: StreamingClient, prompts: list[PerfPrompt], levels: list[LoadLevel],
                     budget: Budget, seed: int) -> list[LevelResult]:
    results = []
    async with client:
        for level in levels:
            with progress_bar(budget.number, level.name) as bar:
                results.append(await run_level(client, prompts, level, budget, lambda _r: bar.update(1), seed))
    return results


def main(argv: list[str] | None = None, prog: str = 'tools/perf.py') -> int:
    """The command line (``prog`` names it in help: ``tools/perf.py`` or ``evalkit perf``)."""
    args = build_parser(prog).parse_args(argv)
    try:
        key = api_key(args.api_key)
        levels = ([LoadLevel(parallel=n) for n in args.parallel] if args.parallel
                  else [LoadLevel(rate=r, burstiness=args.burstiness) for r in args.rate])
        budget = Budget(args.number, args.duration, args.warmup)
        slo = Slo.parse(args.slo) if args.slo else None
        tokenizer_path = args.tokenizer or default_tokenizer(args.url, args.model)
        counter = TokenCounter(tokenizer_path) if tokenizer_path else None
        prompts = build_prompts(args, counter)
        settings = ClientSettings(args.url, args.model, args.api, key, args.max_tokens, args.min_tokens,
                                  args.ignore_eos, args.temperature, args.stall_timeout, args.deadline,
                                  RetryPolicy(args.retries))
        client = StreamingClient(settings, counter)
    except ConfigError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    results = asyncio.run(run_levels(client, prompts, levels, budget, args.seed))
    summaries = {r.level.name: summarize(r.records, r.duration, slo) for r in results}
    recorded = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                if k not in ('api_key', 'work_dir')}
    recorded['api_key'] = args.api_key  # the ENV:NAME reference only, never the key
    recorded['tokenizer'] = tokenizer_path
    write_outputs(args.work_dir, recorded, results, summaries)
    print(table(summaries))
    print(f'written to {args.work_dir}/ (perf_summary.json, requests_*.jsonl, plots/)')
    return 0 if all(s['completed'] for s in summaries.values()) else 1
