"""evalkit's benchmark catalog against OpenCompass 0.5.4, question by question, on the same slices.

    .venv/bin/python benchmarks/compare_catalog.py               # the full slices (hours on 2 cores)
    .venv/bin/python benchmarks/compare_catalog.py --smoke       # 3 questions per dataset
    .venv/bin/python benchmarks/compare_catalog.py --jobs arc_c_ppl winogrande_ppl
    .venv/bin/python benchmarks/compare_catalog.py --report      # the tables of the last run

Jobs (SmolLM2-135M-Instruct, float32, CPU, ``--threads`` threads, the same prompts in both):

* ``bbh``: BBH, 3 tasks (2 multiple-choice, 1 free-form), first 50 questions each, 3-shot CoT, chat;
* ``arc_c_ppl``: ARC-Challenge PPL, first 200 4-choice test questions, base model;
* ``winogrande_ppl``: WinoGrande PPL, first 200 dev questions, base model;
* ``humaneval``: HumanEval, first 40 problems, greedy, chat;
* ``math500``: MATH-500, first 50 problems, 0-shot CoT, chat.

evalkit runs ``benchmarks/configs/catalog_<job>.py`` (its catalog configs rendered as OpenCompass
renders them), OpenCompass its published configs through ``peers/opencompass_catalog.py`` in its
fastest configuration (one task, one model load, ``--debug``).  Both process trees are measured
from outside (wall seconds, CPU seconds, peak summed RSS; ``peers/measure.py``), one after the
other.  On a machine shared with other work pass ``--threads 1``: two torch threads stall at every
parallel region when the cores are busy (a 4x60-token forward took 25 s with 2 threads, 4.8 s with 1,
at load 15), for both frameworks alike.  Generation jobs run inference only in both frameworks, and every reply, evalkit's and
OpenCompass's, is scored here by the evalkit config's own postprocessor and evaluator (HumanEval
in evalkit's sandbox): OpenCompass's venv cannot run its HumanEval and MATH evaluators, and one
scorer for both means an accuracy gap comes from the replies alone.

Per job: per-question prediction agreement (target >= 95%), right/wrong verdict agreement,
identical reply text (generation), accuracy gap in points (target <= 1), wall and CPU ratio, and
every disagreeing row for inspection.  A run that failed or answered another number of questions
than the slice has is listed in ``failures`` and gives no ratio or agreement; ratios only pair
runs of one invocation.  Results go to ``benchmarks/results/compare_catalog[_smoke].json`` (written
by this script only, after every run, so an interrupted invocation keeps what it measured).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / 'benchmarks'
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / 'peers'))

from compare_peers import OC_PYTHON, agreement, machine, measured_run, read_peer_result  # noqa: E402
from validity import failures  # noqa: E402

from evalkit.atomic import write_text_atomic  # noqa: E402

JOBS: dict[str, dict[str, Any]] = {
    'bbh': {'limit': 50, 'model': 'smollm2-135m-instruct', 'generation': True},
    'arc_c_ppl': {'limit': 200, 'model': 'smollm2-135m-hf', 'generation': False},
    'winogrande_ppl': {'limit': 200, 'model': 'smollm2-135m-hf', 'generation': False},
    'humaneval': {'limit': 40, 'model': 'smollm2-135m-instruct', 'generation': True},
    'math500': {'limit': 50, 'model': 'smollm2-135m-instruct', 'generation': True},
}
SMOKE_LIMIT = 3
TARGET_AGREEMENT = 0.95
TARGET_GAP_POINTS = 1.0


def job_config(job: str) -> Path:
    return HERE / 'configs' / f'catalog_{job}.py'


def job_datasets(job: str, limit: int) -> list[dict[str, Any]]:
    """The evalkit dataset configs of ``job`` cut to ``limit`` rows (what both frameworks answer)."""
    from evalkit.config.loading import load_config

    return [{**d, 'reader_cfg': {**d['reader_cfg'], 'limit': limit}}
            for d in load_config(job_config(job))['datasets']]


def expected_questions(job: str, limit: int) -> dict[str, int]:
    """Questions per dataset of the slice, counted by evalkit's reader on the data files."""
    from evalkit.datasets.reader import read_splits

    return {d['abbr']: len(read_splits(d)[1]) for d in job_datasets(job, limit)}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def collect_evalkit(run_dir: Path, job: str, abbrs: list[str]) -> dict[str, Any]:
    """evalkit's rows, keyed like the peer's: generation ``{text}``, PPL ``{pred, gold, correct}``."""
    predictions: dict[str, dict[str, Any]] = {}
    for abbr in abbrs:
        pred_file = run_dir / 'predictions' / JOBS[job]['model'] / f'{abbr}.jsonl'
        if not pred_file.exists():
            continue
        rows = {}
        for record in _read_jsonl(pred_file):
            if JOBS[job]['generation']:
                rows[str(record['index'])] = {'text': record['prediction']}
            else:
                pred, gold = str(record['prediction']), str(record['gold'])
                rows[str(record['index'])] = {'pred': pred, 'gold': gold, 'correct': pred == gold}
        predictions[abbr] = rows
    return predictions


def score_texts(dataset_cfg: dict[str, Any], texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Replies scored by the dataset config's own postprocessors and evaluator, as evalkit's
    evaluation task scores them (HumanEval runs in the sandbox): row -> {text, pred, gold, correct}."""
    from evalkit.datasets.reader import read_splits
    from evalkit.registry import EVALUATORS, build
    from evalkit.tasks.evaluate import _postprocess, processed_predictions

    test_rows = read_splits(dataset_cfg)[1]
    keys = sorted(texts, key=int)
    output_column = dataset_cfg['reader_cfg']['output_column']
    records = [{'index': int(k), 'prediction': texts[k], 'gold': test_rows[int(k)][output_column]} for k in keys]
    eval_cfg, where = dataset_cfg['eval_cfg'], f"dataset '{dataset_cfg['abbr']}'.eval_cfg"
    preds = processed_predictions(records, eval_cfg, None, False, where)
    golds = _postprocess([r['gold'] for r in records], eval_cfg.get('dataset_postprocessor'), where)
    evaluator = build(eval_cfg['evaluator'], EVALUATORS, f'{where}.evaluator')
    scored = evaluator.score_rows(preds, golds, records, [test_rows[r['index']] for r in records])
    # A row's answer: what the evaluator read (code evaluators extract the program themselves).
    answers = [evaluator.extract(p) for p in preds] if hasattr(evaluator, 'extract') else preds
    return {k: {'text': texts[k], 'pred': detail.get('pred', answer), 'gold': gold,
                'correct': bool(detail.get('correct'))}
            for k, answer, gold, detail in zip(keys, answers, golds, scored['details'])}


def score_generation(result: dict[str, Any], job: str, limit: int) -> None:
    """Score every generation dataset of ``result`` in place and set its accuracy."""
    if not JOBS[job]['generation'] or not result.get('predictions'):
        return
    configs = {d['abbr']: d for d in job_datasets(job, limit)}
    result['predictions'] = {abbr: score_texts(configs[abbr], {k: r['text'] for k, r in rows.items()})
                             for abbr, rows in result['predictions'].items() if abbr in configs}
    rows = [row for task in result['predictions'].values() for row in task.values()]
    result['n'] = len(rows)
    result['accuracy'] = sum(row['correct'] for row in rows) / len(rows) if rows else None


def run_evalkit(job: str, args: argparse.Namespace, work: Path, limit: int) -> dict[str, Any]:
    argv = [sys.executable, str(ROOT / 'run.py'), str(job_config(job)), '-w', str(work / 'out'),
            '--data-root', str(args.data_root), '--limit', str(limit)]
    if JOBS[job]['generation']:
        argv += ['--mode', 'infer']  # scored below, as the peer's replies are
    if job == 'humaneval':
        argv.append('--allow-code-execution')
    out: dict[str, Any] = {**measured_run(argv, args.threads, work / 'evalkit.log', cwd=ROOT),
                           'log': str(work / 'evalkit.log')}
    runs = sorted(p for p in (work / 'out').iterdir() if p.is_dir()) if (work / 'out').is_dir() else []
    if runs:
        out['run_dir'] = str(runs[-1])
        out['predictions'] = collect_evalkit(runs[-1], job, list(expected_questions(job, limit)))
        if not JOBS[job]['generation']:
            rows = [row for task in out['predictions'].values() for row in task.values()]
            out['n'] = len(rows)
            out['accuracy'] = sum(row['correct'] for row in rows) / len(rows) if rows else None
    return out


def run_opencompass(job: str, args: argparse.Namespace, work: Path, limit: int) -> dict[str, Any]:
    argv = [str(args.oc_python), str(HERE / 'peers' / 'opencompass_catalog.py'), '--job', job,
            '--model-path', str(args.model_path), '--data-root', str(args.data_root), '--work-dir', str(work),
            '--threads', str(args.threads), '--limit', str(limit), '--batch-size', str(args.oc_batch_size),
            '--oc-python', str(args.oc_python)]
    measured = measured_run(argv, args.threads, work / 'driver.log', cwd=HERE / 'peers')
    return {**read_peer_result(work), **measured, 'configuration': f'batch {args.oc_batch_size}, --debug'}


def disagreements(ours: dict[str, Any], theirs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row the two frameworks answered differently, with both answers (and replies), to explain."""
    rows = []
    for task, mine in ours.get('predictions', {}).items():
        for key, a in mine.items():
            b = theirs.get('predictions', {}).get(task, {}).get(key)
            if b is not None and a['pred'] != b['pred']:
                row = {'task': task, 'row': int(key), 'evalkit': a['pred'], 'opencompass': b['pred'],
                       'gold': a['gold'], 'evalkit_correct': a['correct'], 'opencompass_correct': b['correct']}
                if 'text' in a:
                    row.update(evalkit_text=a['text'], opencompass_text=b['text'])
                rows.append(row)
    return sorted(rows, key=lambda r: (r['task'], r['row']))


def comparable(result: dict[str, Any] | None) -> bool:
    return bool(result) and not result.get('failures') and result.get('accuracy') is not None


def compare(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Agreement, accuracy gap and time ratios (OpenCompass / evalkit) per job.

    Only complete runs of the same invocation are paired: a failed or short run gives neither a
    ratio (its failure is no speed) nor an agreement (it answered other questions)."""
    summary: dict[str, Any] = {}
    for job in JOBS:
        ours, theirs = results.get(f'evalkit/{job}'), results.get(f'opencompass/{job}')
        if not (comparable(ours) and comparable(theirs)) or ours.get('started') != theirs.get('started'):
            continue
        entry: dict[str, Any] = {
            'prediction_agreement': agreement(ours, theirs, 'pred'),
            'verdict_agreement': agreement(ours, theirs, 'correct'),
            'accuracy_gap_points': 100 * (ours['accuracy'] - theirs['accuracy']),
            'time_ratio': theirs['wall_seconds'] / ours['wall_seconds'],
            'disagreements': disagreements(ours, theirs),
        }
        if ours.get('cpu_seconds') and theirs.get('cpu_seconds'):
            entry['cpu_ratio'] = theirs['cpu_seconds'] / ours['cpu_seconds']
        if JOBS[job]['generation']:
            entry['identical_text'] = agreement(ours, theirs, 'text')
        entry['meets_targets'] = entry['prediction_agreement'].get('fraction', 0) >= TARGET_AGREEMENT \
            and abs(entry['accuracy_gap_points']) <= TARGET_GAP_POINTS + 1e-9  # float noise of 100 * (a - b)
        summary[job] = entry
    return summary


def table(results: dict[str, dict[str, Any]], comparison: dict[str, Any]) -> str:
    from tabulate import tabulate

    rows = []
    for key, r in results.items():
        framework, job = key.split('/')
        c = comparison.get(job, {})
        agree = c.get('prediction_agreement', {})
        acc = r.get('accuracy')
        rows.append([job, framework, r.get('n', '-'), f"{r.get('wall_seconds', 0):.0f}",
                     f"{r.get('cpu_seconds') or 0:.0f}", '-' if acc is None else f'{100 * acc:.1f}',
                     f"{agree['agree']}/{agree['questions']}" if agree.get('questions') else '-',
                     f"{c['time_ratio']:.2f}" if framework == 'opencompass' and c else '-',
                     f"{r.get('load_before', 0):.1f}-{r.get('load_after', 0):.1f}",
                     '; '.join(r.get('failures') or [])])
    return tabulate(rows, headers=['job', 'framework', 'questions', 'wall s', 'CPU s', 'accuracy %',
                                   'same answer', 'OC / evalkit wall', 'load avg', 'failures'], tablefmt='github')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--jobs', nargs='+', choices=list(JOBS), default=list(JOBS))
    p.add_argument('--frameworks', nargs='+', choices=['evalkit', 'opencompass'], default=['evalkit', 'opencompass'])
    p.add_argument('--smoke', action='store_true', help=f'{SMOKE_LIMIT} questions per dataset')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--oc-batch-size', type=int, default=8)
    p.add_argument('--data-root', type=Path, default=ROOT.parent / 'shared' / 'datasets')
    p.add_argument('--work-root', type=Path, default=Path('/tmp/evalkit-compare-catalog'))
    p.add_argument('--oc-python', type=Path, default=OC_PYTHON)
    p.add_argument('--keep-other-jobs', action='store_true',
                   help="keep the output JSON's results of jobs not run now (each result records when it started)")
    p.add_argument('--report', action='store_true', help='print the table of the last run (its JSON) and exit')
    p.add_argument('--output', type=Path, help='result JSON (default benchmarks/results/compare_catalog[_smoke].json)')
    return p.parse_args(argv)


def run_one(framework: str, job: str, args: argparse.Namespace, work: Path, limit: int) -> dict[str, Any]:
    """One framework on one job, measured, with its replies scored and its completeness checked."""
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    runner = run_evalkit if framework == 'evalkit' else run_opencompass
    result = runner(job, args, work, limit)
    result['load_before'], result['load_after'] = load_before, os.getloadavg()[0]
    score_generation(result, job, limit)
    result['failures'] = failures(result, expected_questions(job, limit))
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = args.output or HERE / 'results' / f"compare_catalog{'_smoke' if args.smoke else ''}.json"
    if args.report:
        report = json.loads(output.read_text(encoding='utf-8'))
        print(table(report['results'], compare(report['results'])))
        return 0
    if 'opencompass' in args.frameworks and not args.oc_python.exists():
        sys.exit(f'opencompass: no interpreter at {args.oc_python}; run bash benchmarks/peers/setup_venvs.sh '
                 f'or pass --oc-python.')
    from evalkit.models.embedded import prepare_embedded_model

    args.data_root, args.model_path = args.data_root.resolve(), prepare_embedded_model()
    stamp = time.strftime('%Y%m%d_%H%M%S')
    limits = {job: SMOKE_LIMIT if args.smoke else JOBS[job]['limit'] for job in args.jobs}
    report: dict[str, Any] = {'started': stamp, 'machine': machine(), 'threads': args.threads,
                              'model': 'SmolLM2-135M-Instruct (float32, CPU)', 'limits': limits, 'results': {}}
    if args.keep_other_jobs and output.exists():
        earlier = json.loads(output.read_text(encoding='utf-8'))
        report['limits'] = {**earlier['limits'], **limits}
        report['results'] = {key: r for key, r in earlier['results'].items() if key.split('/')[1] not in args.jobs}
    output.parent.mkdir(parents=True, exist_ok=True)
    for job in args.jobs:
        for framework in args.frameworks:
            print(f'[{time.strftime("%H:%M:%S")}] {framework} {job} ({limits[job]} per dataset) ...', flush=True)
            result = run_one(framework, job, args, args.work_root / stamp / f'{framework}-{job}', limits[job])
            report['results'][f'{framework}/{job}'] = {'started': stamp, **result}
            print(f"    {result.get('wall_seconds', 0):.0f} s wall, accuracy {result.get('accuracy')} "
                  f"{'; '.join(result['failures'])}", flush=True)
            report['comparison'] = compare(report['results'])
            write_text_atomic(output, json.dumps(report, ensure_ascii=False))
    print(table(report['results'], report['comparison']))
    print(f'\nWritten to {output}')
    return 1 if any(r['failures'] for r in report['results'].values()) else 0


if __name__ == '__main__':
    sys.exit(main())
