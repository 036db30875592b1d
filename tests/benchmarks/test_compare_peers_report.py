"""The peer benchmark's bookkeeping: rerunning one job keeps the other's results, a ratio never
pairs two invocations (that would compare two machine states) nor uses a failed or short run, CPU
time covers the whole process tree, and the scoring ceiling is priced without the output head."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def benchmark_script(name: str) -> Any:
    """A script under benchmarks/ imported as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / 'benchmarks' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def compare_peers() -> Any:
    return benchmark_script('compare_peers')


@pytest.fixture(scope='module')
def roofline_module() -> Any:
    return benchmark_script('roofline')


def result(started: str, seconds: float, preds: dict[str, str]) -> dict[str, Any]:
    rows = {key: {'pred': pred, 'gold': 'A', 'correct': pred == 'A', 'text': pred} for key, pred in preds.items()}
    return {'started': started, 'returncode': 0, 'wall_seconds': seconds, 'peak_rss_bytes': 2**30,
            'n': len(rows), 'accuracy': sum(r['correct'] for r in rows.values()) / len(rows),
            'predictions': {'task': rows}}


def report(compare_peers: Any, started: str, results: dict[str, Any]) -> dict[str, Any]:
    return {'started': started, 'machine': compare_peers.machine(), 'threads': 2, 'model': 'm',
            'limits': {'mmlu': None, 'gsm8k': 100}, 'subjects': ['s'], 'results': results}


def test_rerunning_one_job_keeps_the_others_results_with_their_stamp(compare_peers, tmp_path) -> None:
    last = report(compare_peers, 'run1', {'evalkit/mmlu': result('run1', 10, {'0': 'A'}),
                                          'evalkit/gsm8k': result('run1', 50, {'0': 'B'})})
    last['roofline'] = {'fraction_of_ceiling': 0.8}
    output = tmp_path / 'compare_peers.json'
    output.write_text(json.dumps(last))

    kept = compare_peers.carried_over(output, report(compare_peers, 'run2', {}), ['gsm8k'])

    assert list(kept['results']) == ['evalkit/mmlu']
    assert kept['results']['evalkit/mmlu']['started'] == 'run1'
    assert kept['roofline'] == {'started': 'run1', 'fraction_of_ceiling': 0.8}


def test_results_of_another_machine_or_setting_are_not_kept(compare_peers, tmp_path) -> None:
    last = report(compare_peers, 'run1', {'evalkit/mmlu': result('run1', 10, {'0': 'A'})})
    output = tmp_path / 'compare_peers.json'
    for change in ({'threads': 4}, {'machine': {**last['machine'], 'cpus': 64}}):
        output.write_text(json.dumps({**last, **change}))
        assert compare_peers.carried_over(output, report(compare_peers, 'run2', {}), ['gsm8k']) == {}


def test_ratios_and_agreement_pair_one_invocation_only(compare_peers) -> None:
    results = {'evalkit/mmlu': result('run2', 10, {'0': 'A', '1': 'B'}),
               'opencompass/mmlu': result('run1', 300, {'0': 'A', '1': 'C'}),
               'evalkit/gsm8k': result('run2', 50, {'0': 'A', '1': 'B'}),
               'opencompass/gsm8k': result('run2', 150, {'0': 'A', '1': 'C'})}

    comparison = compare_peers.compare(results)

    assert comparison['mmlu'] == {}
    gsm8k = comparison['gsm8k']['opencompass']
    assert gsm8k['time_ratio'] == 3
    assert gsm8k['prediction_agreement'] == {'questions': 2, 'agree': 1, 'fraction': 0.5}
    assert gsm8k['verdict_agreement']['agree'] == 2  # "B" and "C" are both wrong


def test_a_failed_short_or_skipping_run_gives_no_ratio(compare_peers) -> None:
    """A failure is never speed: exit code, a missing subject or a short count each block every ratio."""
    sys.path.insert(0, str(ROOT / 'benchmarks' / 'peers'))
    from validity import failures

    expected = {'task': 2}
    good = result('run', 10, {'0': 'A', '1': 'B'})
    assert failures(good, expected) == []
    short = result('run', 5, {'0': 'A'})
    crashed = {**result('run', 3, {'0': 'A', '1': 'A'}), 'returncode': 1}
    skipped = {**good, 'predictions': {'other': good['predictions']['task']}}
    assert failures(short, expected) == ['task: 1 of 2 questions answered']
    assert failures(crashed, expected) == ['exit code 1']
    assert failures(skipped, expected) == ['task: 0 of 2 questions answered', "unexpected tasks ['other']"]
    for bad in (short, crashed, skipped):
        results = {'evalkit/gsm8k': {**good, 'failures': []},
                   'opencompass/gsm8k': {**bad, 'failures': failures(bad, expected)}}
        assert compare_peers.compare(results)['gsm8k'] == {}
        results = {'evalkit/gsm8k': {**bad, 'failures': failures(bad, expected)},
                   'opencompass/gsm8k': {**good, 'failures': []}}
        assert 'gsm8k' not in compare_peers.compare(results)


def test_greedy_text_is_checked_against_transformers_through_opencompass(compare_peers) -> None:
    """OpenCompass decodes with transformers' generate, so its GSM8K text is the HF-greedy reference;
    an invocation without it says the check did not happen instead of passing it."""
    ours = {**result('run', 10, {str(i): f'text {i}' for i in range(10)}), 'failures': []}
    nine = {**result('run', 30, {str(i): f'text {i}' if i else 'other' for i in range(10)}), 'failures': []}
    eight = {**result('run', 30, {str(i): f'text {i}' if i > 1 else 'other' for i in range(10)}), 'failures': []}
    meets = compare_peers.compare({'evalkit/gsm8k': ours, 'opencompass/gsm8k': nine})
    assert 'on 9/10 questions; meets the 90% target' in compare_peers.hf_greedy_line(meets)
    misses = compare_peers.compare({'evalkit/gsm8k': ours, 'opencompass/gsm8k': eight})
    assert 'MISSES' in compare_peers.hf_greedy_line(misses)
    alone = compare_peers.compare({'evalkit/gsm8k': ours})
    assert 'NOT checked' in compare_peers.hf_greedy_line(alone)


def test_cpu_seconds_cover_the_whole_process_tree_including_orphans() -> None:
    """A grandchild that outlives its parent (as an engine or server process may) is still counted."""
    sys.path.insert(0, str(ROOT / 'benchmarks' / 'peers'))
    from measure import run_measured

    burn = [sys.executable, '-c', 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass']
    orphan = subprocess.list2cmdline(burn)
    measured = run_measured(['bash', '-c', f'(setsid {orphan} &); sleep 1; exit 0'])  # outlives bash
    assert measured.returncode == 0
    assert 0.45 <= measured.cpu_seconds < 2.0


def test_the_scoring_ceiling_prices_the_decoder_without_the_head(roofline_module) -> None:
    """The decoder rate is timed without the output head (a full forward is no ceiling for an engine
    that skips the head), and the head is priced per scored position only."""
    model = roofline_module.load_plain_model('embedded:smollm2-135m-instruct')
    calls: list[int] = []
    model.get_output_embeddings().register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    roofline_module.time_decoder(model, 2, 16, repeats=1)
    assert calls == []
    roofline_module.time_forward(model, 2, 16, repeats=1)
    assert calls == [2, 2]  # warm-up and timed call, each with the head over every position
    rates = {'decoder_tokens_per_s': 400.0, 'head_positions_per_s': 1600.0}
    assert roofline_module.scoring_ceiling_seconds(800, 400, rates) == 2.25


def test_decoder_timed_after_past_keys_sees_exactly_those_keys_every_call(roofline_module) -> None:
    """``--past``: each timed call attends to the same ``past`` cached keys (the cache is cropped back,
    so repeats do not grow it), and those keys change the result: they are really attended to."""
    model = roofline_module.load_plain_model('embedded:smollm2-135m-instruct')
    ids = torch.randint(100, 1000, (2, 6))
    call = roofline_module._cached_forward(model, ids, 16)
    with torch.inference_mode():
        first, second = call(), call()
        alone = model.get_decoder()(input_ids=ids).last_hidden_state
    assert torch.equal(first, second)
    assert not torch.allclose(first, alone, atol=1e-3)
    assert roofline_module.time_decoder(model, 2, 6, repeats=1, past=16) > 0
