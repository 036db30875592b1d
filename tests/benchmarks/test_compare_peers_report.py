"""The peer benchmark's bookkeeping: rerunning one job keeps the other's results, and a ratio
never pairs two invocations (that would compare two machine states)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def compare_peers() -> Any:
    spec = importlib.util.spec_from_file_location('compare_peers', ROOT / 'benchmarks' / 'compare_peers.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
