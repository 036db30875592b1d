"""The whole of MMLU on this machine, as a headline: time, the scoring ceiling, answers unchanged.

    .venv/bin/python benchmarks/mmlu_full.py            # about two hours on an idle 2-core machine
    .venv/bin/python benchmarks/mmlu_full.py --smoke    # 2 questions per subject, a few minutes
    .venv/bin/python benchmarks/mmlu_full.py --report   # reprint the last results

One invocation, in this order, each evalkit run measured from outside like every framework in
``compare_peers.py`` (wall and CPU seconds of the whole process tree, peak summed RSS):

1. the scoring-ceiling rates (``roofline.py --mode scoring``: the decoder stack alone at its best
   batch shape, the output head per scored position);
2. the 4-subject job exactly as ``compare_peers.py`` runs it (``configs/peers_mmlu_ppl.py``);
3. the full job (``configs/mmlu_full_ppl.py``: 57 subjects, 14,042 questions, 5-shot PPL, the
   same prompt, model settings and single task process);
4. the ceiling rates again.  The faster of the two measurements prices the ceiling, so the
   ceiling is the stricter of the two.

Each ceiling measurement also times the decoder behind ``PAST_KEYS`` cached keys, and the
engine logs the keys its tokens attended to; a second, *context-priced* ceiling charges each
token for its keys (:func:`context_priced_seconds`).  Subjects whose shots run to thousands of
tokens spend most of their time in that attention, which the first ceiling does not price.

The fraction of the ceiling is the time no engine could beat for the work the full run's
inference task logged (``scoring work:``: tokens through the decoder, positions through the
head) over the run's *whole* wall time: start-up, model load, reading data, evaluation and
summary count against it.  Batching must not change answers: the full run's predictions on the
four benchmark subjects are compared with the 4-subject run's (and the largest PPL difference
is recorded).  What OpenCompass and lm-eval would need is *extrapolated* from their seconds per
question in the latest complete 4-subject job of ``results/compare_peers.json`` (its stamp is
named); their prompts on the other subjects differ in length, so it is an estimate, labelled so.

A run that fails or answers another number of questions than the job has gives no fraction and
no agreement.  Results go to ``results/mmlu_full[_smoke].json``, written by this script only.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / 'peers'))

from compare_peers import ROOT, SUBJECTS, collect_evalkit, machine, measured_run  # noqa: E402
from peer_common import add_collected, offline_env  # noqa: E402
from validity import expected_questions, failures  # noqa: E402

from evalkit.atomic import write_text_atomic  # noqa: E402
from evalkit.tasks.infer import SCORING_WORK_LINE  # noqa: E402

# Earlier keys the decoder is timed behind a second time, to price attention to long shots (the history
# subjects' 5-shot blocks run to about 2,500 tokens).
PAST_KEYS = 2500
CONFIGS = {'four_subjects': HERE / 'configs' / 'peers_mmlu_ppl.py', 'full': HERE / 'configs' / 'mmlu_full_ppl.py'}
PEERS = ('opencompass', 'lm-eval')


def all_subjects(data_root: Path) -> list[str]:
    return sorted(p.name[:-len('_test.csv')] for p in (data_root / 'mmlu' / 'test').glob('*_test.csv'))


def scoring_work(run_dir: Path) -> dict[str, int]:
    """The engine work every inference task of a run logged, summed over tasks (one process each)."""
    total: dict[str, int] = {}
    for log in sorted((run_dir / 'logs' / 'infer').rglob('*.log')):
        lines = [line for line in log.read_text(encoding='utf-8', errors='replace').splitlines()
                 if line.startswith(SCORING_WORK_LINE)]
        if lines:  # counts are cumulative within a task's process: its last line is its total
            for key, value in json.loads(lines[-1][len(SCORING_WORK_LINE):]).items():
                total[key] = total.get(key, 0) + value
    return total


def run_job(name: str, args: argparse.Namespace, work: Path, subjects: list[str]) -> dict[str, Any]:
    """One evalkit run of a job, measured, with its predictions, work and failures."""
    work.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(ROOT / 'run.py'), str(CONFIGS[name]), '-w', str(work),
            '--data-root', str(args.data_root)]
    if args.limit is not None:
        argv += ['--limit', str(args.limit)]
    print(f'[{time.strftime("%H:%M:%S")}] evalkit {name} ({len(subjects)} subjects) ...', flush=True)
    result = {**measured_run(argv, args.threads, work / 'evalkit.log', cwd=ROOT), 'log': str(work / 'evalkit.log')}
    runs = sorted(p for p in work.iterdir() if p.is_dir())
    if runs:
        add_collected(result, collect_evalkit(runs[-1], 'mmlu', subjects))
        result['scoring_work'] = scoring_work(runs[-1])
    result['failures'] = failures(result, expected_questions('mmlu', args.data_root, subjects, args.limit))
    if not result['failures'] and not result.get('scoring_work', {}).get('decoder_tokens'):
        result['failures'].append(f'no "{SCORING_WORK_LINE}" line in the inference logs of {runs[-1]}')
    print(f"    {result['wall_seconds']:.1f} s wall, {result['cpu_seconds']:.0f} CPU s, "
          f"{result.get('n', 0)} questions {'; '.join(result['failures'])}", flush=True)
    return result


def ceiling_rates(args: argparse.Namespace, work: Path, label: str) -> dict[str, Any]:
    out = work / f'roofline_{label}.json'
    argv = [sys.executable, str(HERE / 'roofline.py'), '--mode', 'scoring', '--threads', str(args.threads),
            '--past', '0', str(PAST_KEYS), '--json', str(out)]
    print(f'[{time.strftime("%H:%M:%S")}] scoring ceiling ({label}) ...', flush=True)
    with open(work / f'roofline_{label}.log', 'w', encoding='utf-8') as log:
        code = subprocess.run(argv, env=offline_env(args.threads), stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0 or not out.exists():
        return {'error': f'roofline.py --mode scoring failed; see {work / f"roofline_{label}.log"}'}
    measured = json.loads(out.read_text(encoding='utf-8'))
    return {**measured['scoring'], 'at_past': measured['scoring_at_past'][-1]}


def context_priced_seconds(work: dict[str, int], rates: list[dict[str, Any]]) -> float:
    """The ceiling with attention priced by the keys each computed token attended to.

    A token's decoder cost is taken as linear in its keys, through the fastest rate measured
    alone (about half its own row's keys each) and the fastest measured behind ``PAST_KEYS`` keys;
    the fastest of each keeps it a bound no engine beats.  The short-context ceiling charges every
    token the first rate, which on subjects with thousands of tokens of shots no engine reaches."""
    alone = max(rates, key=lambda r: r['decoder_tokens_per_s'])
    behind = max((r['at_past'] for r in rates), key=lambda r: r['decoder_tokens_per_s'])

    def mean_keys(r: dict[str, Any]) -> float:
        width = int(r['best_shape'].split('x')[1])
        return r.get('past', 0) + (width + 1) / 2

    per_token = 1 / alone['decoder_tokens_per_s']
    per_key = max(0.0, (1 / behind['decoder_tokens_per_s'] - per_token) / (mean_keys(behind) - mean_keys(alone)))
    extra_keys = max(0.0, work['attended_keys'] - work['decoder_tokens'] * mean_keys(alone))
    head = max(r['head_positions_per_s'] for r in rates)
    return work['decoder_tokens'] * per_token + per_key * extra_keys + work['scored_positions'] / head


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """Fraction of the ceiling, agreement with the 4-subject run and peer extrapolations, or why not."""
    full, four = report['results'].get('full', {}), report['results'].get('four_subjects', {})
    rates = [r for r in report.get('ceilings', {}).values() if 'error' not in r]
    out: dict[str, Any] = {}
    if full.get('failures') is None or full['failures'] or len(rates) < 2:
        out['not_computed'] = 'the full run or a ceiling measurement failed: no fraction'
        return out
    best = {'decoder_tokens_per_s': max(r['decoder_tokens_per_s'] for r in rates),
            'head_positions_per_s': max(r['head_positions_per_s'] for r in rates)}
    work = full['scoring_work']
    ceiling_s = work['decoder_tokens'] / best['decoder_tokens_per_s'] + \
        work['scored_positions'] / best['head_positions_per_s']
    out.update(ceiling_rates=best, ceiling_seconds=ceiling_s, fraction_of_ceiling=ceiling_s / full['wall_seconds'],
               questions=full['n'], accuracy=full['accuracy'])
    if 'attended_keys' in work and all('at_past' in r for r in rates):
        priced = context_priced_seconds(work, rates)
        out.update(context_priced_seconds=priced, fraction_of_context_priced=priced / full['wall_seconds'])
    if four and not four.get('failures'):
        same = [(full['predictions'][s][i], row) for s, rows in four['predictions'].items() for i, row in rows.items()]
        out['four_subject_agreement'] = {
            'questions': len(same), 'identical_predictions': sum(a['pred'] == b['pred'] for a, b in same),
            'max_abs_ppl_diff': max(abs(a['ppl'][label] - b['ppl'][label]) for a, b in same for label in b['ppl'])}
    out['extrapolated'] = extrapolate(report.get('peers_source', {}), full['n'])
    missing = [peer for peer in PEERS if peer not in out['extrapolated']]
    if missing:
        out['not_extrapolated'] = (f"{', '.join(missing)}: no complete 4-subject run measured by the fixed harness "
                                   f"in results/compare_peers.json yet (run compare_peers.py --jobs mmlu)")
    return out


def extrapolate(source: dict[str, Any], questions: int) -> dict[str, Any]:
    """Peers' seconds per question on the 4-subject job times the full job's questions (an estimate)."""
    return {peer: {'seconds_per_question': r['wall_seconds'] / r['n'],
                   'cpu_seconds_per_question': r['cpu_seconds'] / r['n'],
                   'estimated_wall_seconds': r['wall_seconds'] / r['n'] * questions,
                   'estimated_cpu_seconds': r['cpu_seconds'] / r['n'] * questions,
                   'from_invocation': r.get('started'), 'configuration': r.get('variant')}
            for peer, r in source.items()}


def peers_source(path: Path) -> dict[str, Any]:
    """The peers' complete 4-subject MMLU runs in the latest compare_peers results, if measured by the
    fixed harness (which records CPU seconds; older rows came from a peer's slower configuration)."""
    try:
        results = json.loads(path.read_text(encoding='utf-8'))['results']
    except (OSError, ValueError, KeyError):
        return {}
    return {peer: {k: r.get(k) for k in ('wall_seconds', 'cpu_seconds', 'n', 'started', 'variant')}
            for peer in PEERS if (r := results.get(f'{peer}/mmlu')) and not r.get('failures') and r.get('n')
            and r.get('cpu_seconds')}


def print_report(report: dict[str, Any]) -> int:
    for name in CONFIGS:
        r = report['results'].get(name)
        if r:
            acc = f"{100 * r['accuracy']:.2f}%" if r.get('accuracy') is not None else '-'
            print(f"evalkit {name:<14} {r.get('n', 0):>6} questions {r['wall_seconds']:8.1f} s wall "
                  f"{r['cpu_seconds']:8.0f} CPU s {r['peak_rss_bytes'] / 2**30:5.2f} GiB  accuracy {acc} "
                  f"{'FAILED: ' + '; '.join(r['failures']) if r['failures'] else ''}")
    h = report.get('headline', {})
    if 'not_computed' in h:
        print(h['not_computed'])
        return 1
    print(f"scoring ceiling {h['ceiling_seconds']:.1f} s (decoder {h['ceiling_rates']['decoder_tokens_per_s']:.0f} "
          f"tokens/s, head {h['ceiling_rates']['head_positions_per_s']:.0f} positions/s): "
          f"{h['fraction_of_ceiling']:.0%} of the ceiling over the whole run")
    if 'context_priced_seconds' in h:
        print(f"with attention priced by each token's keys ({PAST_KEYS}-key rate measured too): "
              f"{h['context_priced_seconds']:.1f} s, {h['fraction_of_context_priced']:.0%} of it")
    agree = h.get('four_subject_agreement')
    if agree:
        print(f"four benchmark subjects: {agree['identical_predictions']}/{agree['questions']} predictions identical "
              f"to the 4-subject run, largest PPL difference {agree['max_abs_ppl_diff']:.2e}")
    if h.get('not_extrapolated'):
        print(h['not_extrapolated'])
    for peer, e in h.get('extrapolated', {}).items():
        print(f"{peer} (EXTRAPOLATED from {e['seconds_per_question']:.2f} s/question in invocation "
              f"{e['from_invocation']}): about {e['estimated_wall_seconds'] / 3600:.1f} h wall, "
              f"{e['estimated_cpu_seconds'] / 3600:.1f} CPU h")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--smoke', action='store_true', help='2 questions per subject')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--data-root', type=Path, default=ROOT.parent / 'shared' / 'datasets')
    parser.add_argument('--work-root', type=Path, default=Path('/tmp/evalkit-mmlu-full'))
    parser.add_argument('--output', type=Path, help='results JSON (default: results/mmlu_full[_smoke].json)')
    parser.add_argument('--report', action='store_true', help='reprint the last results')
    args = parser.parse_args(argv)
    output = args.output or HERE / 'results' / f"mmlu_full{'_smoke' if args.smoke else ''}.json"
    if args.report:
        return print_report(json.loads(output.read_text(encoding='utf-8')))
    args.data_root = args.data_root.resolve()
    if not (args.data_root / 'mmlu' / 'test').is_dir():
        sys.exit(f'No MMLU data under {args.data_root}; pass --data-root.')
    args.limit = 2 if args.smoke else None
    stamp = time.strftime('%Y%m%d_%H%M%S')
    work = args.work_root / stamp
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {'started': stamp, 'machine': machine(), 'threads': args.threads,
                              'model': 'SmolLM2-135M-Instruct (float32, CPU)', 'limit': args.limit,
                              'results': {}, 'ceilings': {},
                              'peers_source': peers_source(HERE / 'results' / 'compare_peers.json')}
    report['ceilings']['before'] = ceiling_rates(args, work, 'before')
    for name, subjects in (('four_subjects', SUBJECTS), ('full', all_subjects(args.data_root))):
        report['results'][name] = run_job(name, args, work / name, subjects)
        write_text_atomic(output, json.dumps(report, ensure_ascii=False))
    report['ceilings']['after'] = ceiling_rates(args, work, 'after')
    report['headline'] = headline(report)
    write_text_atomic(output, json.dumps(report, ensure_ascii=False))
    return print_report(report)


if __name__ == '__main__':
    sys.exit(main())
