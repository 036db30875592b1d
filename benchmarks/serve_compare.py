"""evalkit's serving clients against vLLM's own benchmark client, on one real vLLM server.

    .venv/bin/python benchmarks/serve_compare.py                     # all parts, a server of its own
    .venv/bin/python benchmarks/serve_compare.py --parts overhead    # no server needed
    .venv/bin/python benchmarks/serve_compare.py --url http://127.0.0.1:8011/v1 --parts throughput

Parts (results in ``benchmarks/results/serve_compare.json``, written only by this script):

* ``throughput``: ``tools/perf.py`` and ``vllm bench serve`` (run through
  ``benchmarks/peers/vllm_bench_serve.py``) send the same synthetic completion prompts
  (``--prompt-len`` tokens, exactly ``--output-len`` new tokens with ``ignore_eos``) in closed
  loops of concurrency 1, 4 and 8, alternating which tool goes first; request and output-token
  throughput of the two should agree within 10%.
* ``gsm8k``: evalkit evaluates GSM8K's first 100 questions through the API model
  (``benchmarks/configs/serve_gsm8k_api.py``: chat, greedy, 256 new tokens, 8 in flight), then
  ``vllm bench serve`` replays exactly the dialogues evalkit sent (same stop word, same limit, same
  concurrency: the server's own pace).  Target: evalkit's inference time within 15% of the
  replay's benchmark duration (whole-command wall times beside them); the answers are compared
  text for text.
* ``lmeval``: lm-eval 0.4.13's ``local-chat-completions`` (``num_concurrent=8``) and evalkit evaluate
  the same GSM8K questions with the same dialogues (``peers/lmeval_chat_jobs.py``: a task that
  reproduces evalkit's prompt turn for turn), lm-eval first.  Target: evalkit at least as fast (whole
  command wall time) with the same outputs; the messages sent and the reply texts are compared per
  question, and no ratio is made unless both answered every question (``peers/validity.py``).
* ``overhead``: the perf tool's own cost per request, CPU milliseconds of the client process
  against a trivial local streaming server in another process (``tests/api/sse_server.py``).

Every tool runs as a measured process tree (``peers/measure.py``): wall and CPU seconds.  A ratio is
only computed between two runs that both answered every request.  The machine's load average is
recorded next to every part, since on a shared machine it explains most of the spread.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks' / 'peers'))

import lmeval_chat_jobs  # noqa: E402
import validity  # noqa: E402
from measure import run_measured  # noqa: E402

from evalkit.atomic import write_json_atomic  # noqa: E402

RESULT = ROOT / 'benchmarks' / 'results' / 'serve_compare.json'
VLLM_DRIVER = ROOT / 'benchmarks' / 'peers' / 'vllm_bench_serve.py'
GSM8K_CONFIG = ROOT / 'benchmarks' / 'configs' / 'serve_gsm8k_api.py'
TIMEOUT = 3600


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def shown_path(path: Path) -> str:
    """A path as the results JSON records it: relative to the project when inside it, so the committed
    file names no folder of the machine it was measured on."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def measured(argv: list[str], log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, 'w') as fh:
        m = run_measured([str(a) for a in argv], env or dict(os.environ, HF_HUB_OFFLINE='1'), cwd=ROOT, stdout=fh,
                         stderr=subprocess.STDOUT, timeout=TIMEOUT)
    return {'wall_seconds': round(m.wall_seconds, 2), 'cpu_seconds': round(m.cpu_seconds, 2),
            'returncode': m.returncode, 'timed_out': m.timed_out, 'log': shown_path(log)}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows), encoding='utf-8')
    return path


def vllm_bench(args: argparse.Namespace, url: str, replay: Path, chat: bool, concurrency: int, n: int,
               out: Path, extra: list[str]) -> dict[str, Any]:
    """``vllm bench serve`` on the requests of ``replay``: its own numbers plus the process measurement."""
    root = url.rstrip('/').removesuffix('/v1')
    argv = [args.vllm_python, VLLM_DRIVER, '--backend', 'openai-chat' if chat else 'openai', '--base-url', root,
            '--endpoint', '/v1/chat/completions' if chat else '/v1/completions', '--model', args.model,
            '--tokenizer', args.tokenizer, '--replay', replay, '--max-concurrency', concurrency, '--num-prompts', n,
            '--temperature', '0', '--save-result', '--result-dir', out, '--result-filename', 'result.json',
            '--percentile-metrics', 'ttft,tpot,itl,e2el', '--disable-tqdm', *extra]
    run = measured(argv, out / 'log.txt')
    try:
        result = json.loads((out / 'result.json').read_text())
    except (OSError, ValueError):
        return {**run, 'error': 'no result file'}
    keep = ('duration', 'completed', 'failed', 'total_input_tokens', 'total_output_tokens', 'request_throughput',
            'output_throughput', 'total_token_throughput', 'mean_ttft_ms', 'median_ttft_ms', 'mean_tpot_ms',
            'mean_itl_ms', 'mean_e2el_ms')
    return {**run, **{k: result.get(k) for k in keep}, 'generated_texts': result.get('generated_texts')}


def perf_tool(args: argparse.Namespace, url: str, replay: Path, concurrency: int, n: int, out: Path,
              extra: list[str]) -> dict[str, Any]:
    argv = [sys.executable, ROOT / 'tools' / 'perf.py', '--url', url, '--model', args.model, '--api', 'completions',
            '--parallel', concurrency, '--number', n, '--prompts', replay, '--tokenizer', args.tokenizer,
            '-w', out, *extra]
    run = measured(argv, out / 'log.txt')
    try:
        summary = json.loads((out / 'perf_summary.json').read_text())['levels'][f'parallel_{concurrency}']
    except (OSError, ValueError, KeyError):
        return {**run, 'error': 'no perf_summary.json'}
    return {**run, 'duration': summary['duration'], 'completed': summary['completed'],
            'failed': sum(summary['failed'].values()), 'total_input_tokens': summary['input_tokens'],
            'total_output_tokens': summary['output_tokens'], 'request_throughput': summary['request_throughput'],
            'output_throughput': summary['output_throughput'], 'total_token_throughput': summary['total_throughput'],
            'mean_ttft_ms': summary['ttft']['mean'] * 1000, 'mean_tpot_ms': summary['tpot']['mean'] * 1000,
            'mean_e2el_ms': summary['e2el']['mean'] * 1000}


def complete(run: dict[str, Any], n: int) -> bool:
    return run.get('returncode') == 0 and not run.get('error') and run.get('completed') == n and not run.get('failed')


def ratio(a: dict[str, Any], b: dict[str, Any], key: str, n: int) -> float | None:
    """a[key] / b[key], or None unless both runs answered all ``n`` requests (a failure is not speed)."""
    if not (complete(a, n) and complete(b, n)) or not b.get(key):
        return None
    return round(a[key] / b[key], 4)


def part_throughput(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    from evalkit.perf.prompts import LengthDistribution, load_tokenizer, synthetic_prompts

    tokenizer = load_tokenizer(args.tokenizer)
    levels = {}
    for k, c in enumerate(args.concurrency):
        n = max(8, 4 * c)
        prompts = synthetic_prompts(tokenizer, n, LengthDistribution.parse(str(args.prompt_len), '--prompt-len'),
                                    None, seed=0)
        replay = write_jsonl(work / f'throughput_prompts_{n}.jsonl',
                             [{'prompt': p.text(), 'max_tokens': args.output_len} for p in prompts])
        runs: dict[str, dict[str, Any]] = {}
        order = ['vllm_bench_serve', 'evalkit_perf'] if k % 2 == 0 else ['evalkit_perf', 'vllm_bench_serve']
        for tool in order:
            load_before = load_average()
            if tool == 'vllm_bench_serve':
                run = vllm_bench(args, url, replay, False, c, n, work / f'vllm_c{c}', ['--ignore-eos',
                                                                                      '--num-warmups', str(c)])
                run.pop('generated_texts', None)
            else:
                run = perf_tool(args, url, replay, c, n, work / f'perf_c{c}', ['--ignore-eos', '--warmup', str(c)])
            runs[tool] = {**run, 'load_average_before': load_before}
            print(f'throughput c={c} {tool}: {run.get("request_throughput")} req/s, '
                  f'{run.get("output_throughput")} tok/s', flush=True)
        ours, theirs = runs['evalkit_perf'], runs['vllm_bench_serve']
        rt, ot = (ratio(ours, theirs, key, n) for key in ('request_throughput', 'output_throughput'))
        levels[f'concurrency_{c}'] = {
            'requests': n, 'order': order, **runs,
            'request_throughput_ratio': rt, 'output_throughput_ratio': ot,
            'within_10_percent': None if rt is None or ot is None else abs(rt - 1) <= 0.10 and abs(ot - 1) <= 0.10}
    return {'prompt_tokens': args.prompt_len, 'output_tokens': args.output_len, 'api': 'completions',
            'levels': levels}


def evalkit_answers(run_root: Path) -> tuple[dict[int, dict[str, Any]], float | None]:
    """The predictions of the run under ``run_root``, and its inference window in seconds: from the
    prediction file's lock (taken right before the first request) to the last prediction written."""
    runs = sorted(p for p in run_root.iterdir() if p.is_dir())
    files = list((runs[-1] / 'predictions').glob('*/*.jsonl')) if runs else []
    if len(files) != 1:
        return {}, None
    rows = [json.loads(line) for line in files[0].read_text(encoding='utf-8').splitlines() if line]
    window = files[0].stat().st_mtime - files[0].with_suffix('.lock').stat().st_mtime
    return {r['index']: r for r in rows}, round(window, 2)


def evalkit_gsm8k(args: argparse.Namespace, url: str, out: Path, concurrency: int
                  ) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """evalkit's GSM8K evaluation through the server, measured: the run and its predictions by question."""
    load_before = load_average()
    evalkit = measured([sys.executable, ROOT / 'run.py', GSM8K_CONFIG, '-w', out, '--cfg-options',
                        f'models.0.base_url={url}', f'models.0.path={args.model}',
                        f'models.0.max_concurrency={concurrency}', f'datasets.0.reader_cfg.limit={args.gsm8k_limit}'],
                       out.with_suffix('.log'))
    evalkit['load_average_before'] = load_before
    answers, evalkit['inference_seconds'] = evalkit_answers(out) if out.is_dir() else ({}, None)
    evalkit['completed'] = len(answers)
    return evalkit, answers


def part_gsm8k(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    limit, concurrency, max_tokens = args.gsm8k_limit, 8, 256
    evalkit, answers = evalkit_gsm8k(args, url, work / 'gsm8k_evalkit', concurrency)
    result: dict[str, Any] = {'questions': limit, 'concurrency': concurrency, 'max_tokens': max_tokens,
                              'evalkit_run': evalkit}
    if len(answers) != limit:
        return {**result, 'error': f'evalkit answered {len(answers)} of {limit} questions: nothing to replay'}
    order = sorted(answers)
    replay = write_jsonl(work / 'gsm8k_replay.jsonl', [{'messages': json.loads(answers[i]['prompt']),
                                                        'max_tokens': max_tokens} for i in order])
    load_before = load_average()
    replayed = vllm_bench(args, url, replay, True, concurrency, limit, work / 'gsm8k_vllm',
                          ['--extra-body', json.dumps({'stop': ['Question:']}), '--save-detailed'])
    replayed['load_average_before'] = load_before
    texts = replayed.pop('generated_texts', None) or []
    same = sum(1 for i, text in zip(order, texts) if text == answers[i]['prediction'])
    result['vllm_bench_replay'] = replayed
    result['identical_answers'] = f'{same} of {len(texts)}'
    both = evalkit['returncode'] == 0 and complete(replayed, limit)
    # the headline: evalkit's inference window against the replay's benchmark duration (both exclude start-up);
    # the whole commands' wall times (evalkit: config, task process, scoring; vLLM: its imports) beside it
    result['inference_ratio_evalkit_to_replay'] = round(evalkit['inference_seconds'] / replayed['duration'], 4) \
        if both else None
    result['within_15_percent'] = None if not both else result['inference_ratio_evalkit_to_replay'] <= 1.15
    result['command_wall_ratio_evalkit_to_replay'] = round(evalkit['wall_seconds'] / replayed['wall_seconds'], 4) \
        if both else None
    return result


def gsm8k_accuracy(texts: dict[int, str], answers: dict[int, dict[str, Any]]) -> float | None:
    """Percent of ``texts`` whose last number (evalkit's GSM8K postprocessing) is the gold answer."""
    from evalkit.openicl import Gsm8kGold, LastNumber

    pred, gold = LastNumber(stop_at='Question:'), Gsm8kGold()
    hits = [pred(text) == gold(answers[i]['gold']) for i, text in texts.items() if i in answers]
    return round(100 * sum(hits) / len(hits), 2) if hits else None


def part_lmeval(args: argparse.Namespace, url: str, work: Path) -> dict[str, Any]:
    """lm-eval's chat-completions client, then evalkit's API model, on the same GSM8K dialogues."""
    from evalkit.datasets.data_root import describe_roots, find_local

    limit, concurrency, max_tokens, stop = args.gsm8k_limit, 8, 256, ['Question:']
    root = find_local(['gsm8k/train.jsonl', 'gsm8k/test.jsonl'])
    if root is None:
        return {'error': f'gsm8k/{{train,test}}.jsonl found under none of the data roots ({describe_roots()})'}
    files = {split: str(root / 'gsm8k' / f'{split}.jsonl') for split in ('train', 'test')}
    task_dir = lmeval_chat_jobs.write_task(work / 'lmeval_tasks', files, max_tokens, stop)
    argv = lmeval_chat_jobs.lmeval_argv(args.lmeval_python, task_dir, work / 'lmeval_out',
                                        url.rstrip('/') + '/chat/completions', args.model, concurrency, limit)
    env = dict(os.environ, HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TOKENIZERS_PARALLELISM='false',
               HF_DATASETS_CACHE=str(work / 'lmeval_hf_cache'))  # a private cache: every run parses the JSONL
    load_before = load_average()
    lmeval = {**measured(argv, work / 'lmeval.log', env), 'load_average_before': load_before}
    lmeval_rows = lmeval_chat_jobs.collect(work / 'lmeval_out')
    evalkit, answers = evalkit_gsm8k(args, url, work / 'lmeval_vs_evalkit', concurrency)
    expected = validity.expected_questions('gsm8k', root, [], limit)
    for run, texts in ((lmeval, {i: r['text'] for i, r in lmeval_rows.items()}),
                       (evalkit, {i: r['prediction'] for i, r in answers.items()})):
        run['completed'], run['accuracy'] = len(texts), gsm8k_accuracy(texts, answers)
        run['failures'] = validity.failures({**run, 'predictions': {'gsm8k': texts}}, expected)
    both = not lmeval['failures'] and not evalkit['failures']
    return {'questions': limit, 'concurrency': concurrency, 'max_tokens': max_tokens, 'stop': stop,
            'order': ['lmeval_local_chat_completions', 'evalkit'], 'lmeval_local_chat_completions': lmeval,
            'evalkit_run': evalkit, **lmeval_chat_jobs.agreement(answers, lmeval_rows),
            'wall_ratio_evalkit_to_lmeval': round(evalkit['wall_seconds'] / lmeval['wall_seconds'], 4) if both
            else None,
            'cpu_ratio_evalkit_to_lmeval': round(evalkit['cpu_seconds'] / lmeval['cpu_seconds'], 4) if both
            else None,
            'evalkit_at_least_as_fast': evalkit['wall_seconds'] <= lmeval['wall_seconds'] if both else None}


def part_overhead(args: argparse.Namespace) -> dict[str, Any]:
    from evalkit.perf.client import ClientSettings, StreamingClient
    from evalkit.perf.load import Budget, LoadLevel, run_level
    from evalkit.perf.prompts import PerfPrompt
    from evalkit.serving.vllm_server import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, '-m', 'tests.api.sse_server', '--port', str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    url = server.stdout.readline().strip()  # printed once listening

    async def measure(concurrency: int) -> dict[str, Any]:
        prompt = [PerfPrompt('reply at once')]  # the trivial server's default: 4 chunks + usage, no waiting
        async with StreamingClient(ClientSettings(url, 'trivial', 'completions')) as client:
            await run_level(client, prompt, LoadLevel(parallel=concurrency), Budget(number=100))
            cpu, wall = time.process_time(), time.perf_counter()
            level = await run_level(client, prompt, LoadLevel(parallel=concurrency), Budget(number=args.overhead_n))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        ok = sum(r.ok for r in level.records)
        return {'requests': args.overhead_n, 'ok': ok, 'client_cpu_ms_per_request': round(cpu * 1000 / ok, 3),
                'wall_ms_per_request': round(wall * 1000 / ok, 3)}

    try:
        load_before = load_average()
        levels = {f'concurrency_{c}': asyncio.run(measure(c)) for c in (1, 8)}
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {'server': 'tests/api/sse_server.py (another process; 4 content chunks + usage per answer)',
            'load_average_before': load_before, 'levels': levels,
            'under_1_ms': all(v['client_cpu_ms_per_request'] < 1.0 for v in levels.values())}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from evalkit.serving.vllm_venv import venv_python

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--parts', nargs='+', choices=['throughput', 'gsm8k', 'lmeval', 'overhead'],
                   default=['overhead', 'throughput', 'gsm8k', 'lmeval'])
    p.add_argument('--url', help='an already running vLLM server (default: start one on the demo model)')
    p.add_argument('--model', default='smollm2', help='served model name')
    p.add_argument('--tokenizer', help='model folder (default: the demo model)')
    p.add_argument('--vllm-python', default=str(venv_python()), help="the vLLM venv's python")
    p.add_argument('--lmeval-python', default='/tmp/peer-lmeval/bin/python', help="the lm-eval venv's python")
    p.add_argument('--concurrency', type=int, nargs='+', default=[1, 4, 8])
    p.add_argument('--prompt-len', type=int, default=128)
    p.add_argument('--output-len', type=int, default=64)
    p.add_argument('--gsm8k-limit', type=int, default=100)
    p.add_argument('--overhead-n', type=int, default=1000, help='requests per overhead measurement')
    p.add_argument('--work-dir', type=Path, default=ROOT / 'outputs' / 'serve_compare')
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from evalkit.models.embedded import prepare_embedded_model
    from evalkit.serving import VLLMServer

    args = parse_args(argv)
    model_dir = prepare_embedded_model()
    args.tokenizer = args.tokenizer or str(model_dir)
    work = args.work_dir / time.strftime('%Y%m%d_%H%M%S')
    results: dict[str, Any] = json.loads(RESULT.read_text()) if RESULT.exists() else {}
    results['machine'] = {'cpus': os.cpu_count(), 'load_average_at_start': load_average(),
                          'note': 'shared machine: the load average is recorded before every measured run'}
    if 'overhead' in args.parts:
        results['overhead'] = part_overhead(args)
        write_json_atomic(RESULT, results)
    server_parts = [p for p in args.parts if p != 'overhead']
    if server_parts:
        server = None if args.url else VLLMServer(model_dir, args.model, log_path=work / 'vllm_server.log')
        url = args.url or server.start().base_url
        try:
            for part in server_parts:
                started = time.strftime('%Y-%m-%dT%H:%M:%S')
                body = {'throughput': part_throughput, 'gsm8k': part_gsm8k, 'lmeval': part_lmeval}[part](args, url, work)
                results[part] = {'started': started, 'server': 'own' if server else url, **body}
                write_json_atomic(RESULT, results)
        finally:
            if server is not None:
                server.stop()
    print(json.dumps({k: v for k, v in results.items() if k != 'machine'}, indent=1)[:4000])
    return 0


if __name__ == '__main__':
    sys.exit(main())
