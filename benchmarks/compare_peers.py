"""evalkit against OpenCompass 0.5.4 and lm-evaluation-harness 0.4.13, side by side, in one invocation.

    .venv/bin/python benchmarks/compare_peers.py                 # the full benchmark (about 1.5 hours)
    .venv/bin/python benchmarks/compare_peers.py --smoke         # a few questions per framework
    .venv/bin/python benchmarks/compare_peers.py --jobs mmlu --frameworks evalkit opencompass

Every framework runs the same job on the same model folder (SmolLM2-135M-Instruct from
evalkit's cache, float32, CPU, ``--threads`` threads), one after the other, each as its
own process tree measured from outside (wall seconds, peak summed RSS; see
``peers/measure.py``):

* ``mmlu``: MMLU PPL, 5-shot from dev, on four subjects (632 test questions). evalkit runs
  ``benchmarks/configs/peers_mmlu_ppl.py`` (its standard ``mmlu_ppl`` prompt, the one
  OpenCompass's ``mmlu_ppl`` scores), OpenCompass its stock ``mmlu_ppl`` config, lm-eval a
  local-CSV copy of its stock 5-shot ``mmlu_<subject>`` tasks.
* ``gsm8k``: GSM8K generation, first 100 test questions, OpenCompass's stock
  ``gsm8k_gen`` prompt in both evalkit (``benchmarks/configs/peers_gsm8k_gen.py``) and
  OpenCompass, chat template, up to 512 new tokens.

Prints one table (framework | job | wall s | peak RSS | accuracy | peer/evalkit time) and the
per-question agreement with OpenCompass; writes everything, per-question predictions
included, to ``benchmarks/results/compare_peers[_smoke].json`` after every job, so an
interrupted run keeps what it measured. Running only some jobs (``--jobs gsm8k``) keeps the
other jobs' results from that file when it was measured on the same machine with the same
settings; every result carries the stamp of the invocation that measured it, and ratios and
agreement only ever pair results of one invocation. The peers' virtualenvs come from
``peers/setup_venvs.sh`` (run here with ``--setup``); they are never evalkit dependencies.
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

from evalkit.models.embedded import prepare_embedded_model  # noqa: E402

GSM8K_QUESTIONS = 100
OC_PYTHON = Path('/tmp/peer-oc/bin/python')
LMEVAL_PYTHON = Path('/tmp/peer-lmeval/bin/python')
EVALKIT_MODEL = {'mmlu': 'smollm2-135m-hf', 'gsm8k': 'smollm2-135m-instruct'}
EVALKIT_CONFIG = {'mmlu': HERE / 'configs' / 'peers_mmlu_ppl.py', 'gsm8k': HERE / 'configs' / 'peers_gsm8k_gen.py'}
FRAMEWORKS = ('evalkit', 'opencompass', 'lm-eval')
JOBS = ('mmlu', 'gsm8k')
JOB_OF_PEER_SCRIPT = {'mmlu': 'mmlu_ppl', 'gsm8k': 'gsm8k_gen'}


def cpu_model() -> str:
    try:
        lines = Path('/proc/cpuinfo').read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    return next((line.split(':', 1)[1].strip() for line in lines if line.startswith('model name')), platform.machine())


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def collect_evalkit(run_dir: Path, job: str) -> dict[str, Any]:
    """Per-question predictions of an evalkit run, keyed like the peers' (task -> row -> record)."""
    model = EVALKIT_MODEL[job]
    predictions: dict[str, dict[str, Any]] = {}
    tasks = [(s, f'mmlu-{s}') for s in SUBJECTS] if job == 'mmlu' else [('gsm8k', 'gsm8k-oc-prompt')]
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
    return {'returncode': m.returncode, 'wall_seconds': m.wall_seconds, 'peak_rss_bytes': m.peak_rss_bytes}


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


def run_peer(framework: str, job: str, args: argparse.Namespace, work: Path, limit: int | None) -> dict[str, Any]:
    python = args.oc_python if framework == 'opencompass' else args.lmeval_python
    script = HERE / 'peers' / ('opencompass_jobs.py' if framework == 'opencompass' else 'lmeval_jobs.py')
    argv = [str(python), str(script), '--model-path', str(args.model_path), '--data-root', str(args.data_root),
            '--work-dir', str(work), '--threads', str(args.threads), '--job', JOB_OF_PEER_SCRIPT[job]]
    if job == 'mmlu':
        argv += ['--subjects', *SUBJECTS]
    if limit is not None:
        argv += ['--limit', str(limit)]
    if framework == 'opencompass':
        argv += ['--oc-python', str(python)]
    else:
        argv += ['--lmeval-python', str(python)]
    measured = measured_run(argv, args.threads, work / 'driver.log')
    try:
        peer = json.loads((work / 'peer_result.json').read_text(encoding='utf-8'))
    except (OSError, ValueError):
        peer = {'error': f'no peer_result.json; see {work / "driver.log"}'}
    return {**peer, **measured}


def agreement(ours: dict[str, Any], theirs: dict[str, Any], field: str,
              same: Callable[[Any, Any], bool] = lambda a, b: a == b) -> dict[str, Any]:
    """How many questions two frameworks answered alike (``field`` of each row)."""
    pairs = [(row, theirs['predictions'][task][key]) for task, rows in ours.get('predictions', {}).items()
             for key, row in rows.items() if key in theirs.get('predictions', {}).get(task, {})]
    if not pairs:
        return {'questions': 0}
    agree = sum(same(a[field], b[field]) for a, b in pairs)
    return {'questions': len(pairs), 'agree': agree, 'fraction': agree / len(pairs)}


def roofline_fraction(args: argparse.Namespace, limit: int | None, work: Path) -> dict[str, Any]:
    """evalkit's engine on the MMLU job against plain forwards, interleaved (``engine_speed.py``)."""
    out = work / 'engine_speed.json'
    argv = [sys.executable, str(HERE / 'engine_speed.py'), '--subjects', *SUBJECTS, '--questions',
            str(limit or 10_000), '--skip-naive', '--threads', str(args.threads), '--json', str(out)]
    with open(work / 'engine_speed.log', 'w', encoding='utf-8') as log:
        code = subprocess.run(argv, env=offline_env(args.threads), stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0 or not out.exists():
        return {'error': f'engine_speed.py failed; see {work / "engine_speed.log"}'}
    speed = json.loads(out.read_text())
    rate = speed['optimised']['tokens_per_s']
    return {'computed_tokens': speed['optimised']['computed_tokens'], 'tokens_per_s': rate,
            'ceiling_tokens_per_s': speed['ceiling_tokens_per_s'],
            'fraction_of_ceiling': rate / speed['ceiling_tokens_per_s']}


def _strip(text: Any) -> str:
    return str(text or '').strip()


def compare(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Ratios of peer to evalkit time and per-question agreement with OpenCompass, per job.

    Only results of the same invocation are paired: a ratio across two runs would mix two
    machine states."""
    summary: dict[str, Any] = {}
    for job in JOBS:
        ours = results.get(f'evalkit/{job}')
        if not ours or ours.get('accuracy') is None:
            continue
        entry: dict[str, Any] = {}
        for peer in FRAMEWORKS[1:]:
            theirs = results.get(f'{peer}/{job}')
            if not theirs or theirs.get('accuracy') is None or theirs.get('started') != ours.get('started'):
                continue
            entry[peer] = {'time_ratio': theirs['wall_seconds'] / ours['wall_seconds'],
                           'accuracy_gap_points': 100 * (ours['accuracy'] - theirs['accuracy']),
                           'prediction_agreement': agreement(ours, theirs, 'pred'),
                           'verdict_agreement': agreement(ours, theirs, 'correct')}
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
        ratio = comparison.get(job, {}).get(framework, {}).get('time_ratio')
        acc = r.get('accuracy')
        rows.append([framework, job, r.get('started', '-'), r.get('n', '-'), f"{r['wall_seconds']:.1f}",
                     f"{r['peak_rss_bytes'] / 2**30:.2f}",
                     '-' if acc is None else f'{100 * acc:.2f}', '1.00' if framework == 'evalkit' else
                     ('-' if ratio is None else f'{ratio:.2f}'), r.get('error', '') or
                     ('' if r.get('returncode') == 0 else f"exit {r.get('returncode')}")])
    return tabulate(rows, headers=['framework', 'job', 'run', 'questions', 'wall s', 'peak RSS GiB', 'accuracy %',
                                   'time / evalkit', 'note'], tablefmt='github')


def agreement_lines(comparison: dict[str, Any]) -> list[str]:
    lines = []
    for job, peers in comparison.items():
        for peer, c in peers.items():
            agree = c['prediction_agreement']
            text = f"{job}: evalkit vs {peer}: {c['time_ratio']:.2f}x faster, accuracy gap " \
                   f"{c['accuracy_gap_points']:+.2f} points, same answer on {agree.get('agree', 0)}/" \
                   f"{agree['questions']} questions"
            text += f" (same right/wrong verdict on {c['verdict_agreement'].get('agree', 0)})"
            if 'identical_text' in c:
                text += f", identical output text on {c['identical_text'].get('agree', 0)}/" \
                        f"{c['identical_text']['questions']} ({c['identical_text_stripped'].get('agree', 0)} " \
                        f"ignoring surrounding whitespace)"
            lines.append(text)
    return lines


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
    p.add_argument('--setup', action='store_true', help='create the peer virtualenvs first (peers/setup_venvs.sh)')
    p.add_argument('--report', action='store_true', help='print the tables of the last run (its JSON) and exit')
    p.add_argument('--output', type=Path, help='result JSON (default benchmarks/results/compare_peers[_smoke].json)')
    return p.parse_args(argv)


def machine() -> dict[str, Any]:
    return {'cpus': os.cpu_count(), 'cpu': cpu_model(), 'platform': platform.platform(),
            'memory_gib': round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)}


def carried_over(output: Path, report: dict[str, Any], jobs: list[str]) -> dict[str, Any]:
    """The results (and roofline) of jobs this invocation does not run, from the last report.

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
    if 'mmlu' not in jobs and 'roofline' in last:
        kept['roofline'] = {'started': last['started'], **last['roofline']}
    return kept


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = args.output or HERE / 'results' / f"compare_peers{'_smoke' if args.smoke else ''}.json"
    if args.report:
        last = json.loads(output.read_text(encoding='utf-8'))
        return print_report({**last, 'comparison': compare(last['results'])}, output)
    if args.setup:
        subprocess.run(['bash', str(HERE / 'peers' / 'setup_venvs.sh')], check=True)
    for framework, python in (('opencompass', args.oc_python), ('lm-eval', args.lmeval_python)):
        if framework in args.frameworks and not python.exists():
            sys.exit(f'{framework}: no interpreter at {python}. Run with --setup (or bash benchmarks/peers/'
                     f'setup_venvs.sh) first, or pass --{"oc" if framework == "opencompass" else "lmeval"}-python.')
    if not (args.data_root / 'mmlu' / 'test').is_dir():
        sys.exit(f'No MMLU data under {args.data_root}; pass --data-root.')
    args.data_root = args.data_root.resolve()
    args.model_path = prepare_embedded_model()
    limits = {'mmlu': 3 if args.smoke else None, 'gsm8k': 2 if args.smoke else GSM8K_QUESTIONS}
    output.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime('%Y%m%d_%H%M%S')
    report: dict[str, Any] = {
        'started': stamp, 'machine': machine(), 'threads': args.threads,
        'model': 'SmolLM2-135M-Instruct (float32, CPU)', 'limits': limits, 'subjects': SUBJECTS, 'results': {}}
    report.update(carried_over(output, report, args.jobs))

    def save() -> None:
        report['comparison'] = compare(report['results'])
        output.write_text(json.dumps(report, ensure_ascii=False), encoding='utf-8')  # one line: per-question rows are bulky

    for job in args.jobs:
        for framework in args.frameworks:
            if framework == 'lm-eval' and job == 'gsm8k':
                continue  # the issue compares GSM8K with OpenCompass only
            work = args.work_root / stamp / f'{framework}-{job}'
            work.mkdir(parents=True, exist_ok=True)
            print(f'[{time.strftime("%H:%M:%S")}] {framework} {job} ...', flush=True)
            run = run_evalkit if framework == 'evalkit' else \
                lambda j, a, w, n, f=framework: run_peer(f, j, a, w, n)
            result = {'started': stamp, **run(job, args, work, limits[job])}
            report['results'][f'{framework}/{job}'] = result
            print(f"    {result['wall_seconds']:.1f} s, accuracy {result.get('accuracy')}, "
                  f"exit {result.get('returncode')} {result.get('error', '')}", flush=True)
            save()
        if job == 'mmlu' and 'evalkit' in args.frameworks:
            report['roofline'] = {'started': stamp, **roofline_fraction(args, limits['mmlu'],
                                                                        args.work_root / stamp / 'evalkit-mmlu')}
            save()
    return print_report(report, output)


def print_report(report: dict[str, Any], output: Path) -> int:
    """The table, the agreement lines and the roofline fraction; non-zero if any job failed."""
    print()
    print(table(report['results'], report['comparison']))
    print()
    for line in agreement_lines(report['comparison']):
        print(line)
    if 'fraction_of_ceiling' in report.get('roofline', {}):
        r = report['roofline']
        print(f"evalkit MMLU engine: {r['tokens_per_s']:.0f} computed tokens/s = {r['fraction_of_ceiling']:.0%} of "
              f"the plain-forward ceiling ({r['ceiling_tokens_per_s']:.0f} tokens/s), {r['computed_tokens']} tokens")
    print(f'\nWritten to {output}')
    failed = [k for k, r in report['results'].items() if r.get('returncode') != 0 or r.get('error')]
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
