"""The full-MMLU headline's bookkeeping: a failed or short run (or a failed ceiling measurement)
gives no fraction, the stricter of two ceiling measurements prices the ceiling, the four benchmark
subjects are compared question by question, and peers are extrapolated only from complete runs
of the fixed harness, labelled with the invocation they came from."""
from __future__ import annotations

from typing import Any

import pytest

from tests.benchmarks.test_compare_peers_report import benchmark_script


@pytest.fixture(scope='module')
def mmlu_full() -> Any:
    return benchmark_script('mmlu_full')


def run(preds: dict[str, dict[str, str]], seconds: float, failures: list[str] | None = None) -> dict[str, Any]:
    rows = {subject: {i: {'pred': p, 'gold': 'A', 'correct': p == 'A', 'ppl': {'A': 1.0, 'B': 2.0 if p == 'A' else 0.5}}
                      for i, p in answers.items()} for subject, answers in preds.items()}
    n = sum(len(r) for r in rows.values())
    return {'wall_seconds': seconds, 'cpu_seconds': 2 * seconds, 'n': n, 'failures': failures or [],
            'accuracy': sum(r['correct'] for t in rows.values() for r in t.values()) / n, 'predictions': rows,
            'scoring_work': {'decoder_tokens': 10_000, 'scored_positions': 4_000}}


CEILINGS = {'before': {'decoder_tokens_per_s': 400.0, 'head_positions_per_s': 1000.0},
            'after': {'decoder_tokens_per_s': 500.0, 'head_positions_per_s': 800.0}}


def test_fraction_uses_the_fastest_rates_and_the_whole_wall_time(mmlu_full: Any) -> None:
    full = run({'s1': {'0': 'A', '1': 'B'}, 's2': {'0': 'A'}}, seconds=40.0)
    four = run({'s1': {'0': 'A', '1': 'B'}}, seconds=5.0)
    h = mmlu_full.headline({'results': {'full': full, 'four_subjects': four}, 'ceilings': CEILINGS})
    # 10,000 tokens at the faster 500/s plus 4,000 positions at the faster 1,000/s: 24 s of 40.
    assert h['ceiling_seconds'] == pytest.approx(24.0)
    assert h['fraction_of_ceiling'] == pytest.approx(0.6)
    assert h['four_subject_agreement'] == {'questions': 2, 'identical_predictions': 2, 'max_abs_ppl_diff': 0.0}


def test_a_changed_answer_on_the_benchmark_subjects_is_counted(mmlu_full: Any) -> None:
    full = run({'s1': {'0': 'A', '1': 'A'}}, seconds=40.0)
    four = run({'s1': {'0': 'A', '1': 'B'}}, seconds=5.0)
    agree = mmlu_full.headline({'results': {'full': full, 'four_subjects': four},
                                'ceilings': CEILINGS})['four_subject_agreement']
    assert agree['identical_predictions'] == 1 and agree['max_abs_ppl_diff'] == pytest.approx(1.5)


@pytest.mark.parametrize('broken', ['short_run', 'failed_ceiling', 'no_second_ceiling'])
def test_a_failed_or_short_run_gives_no_fraction(mmlu_full: Any, broken: str) -> None:
    full = run({'s1': {'0': 'A'}}, seconds=40.0, failures=['s1: 1 of 2 questions answered'] if broken == 'short_run'
               else None)
    ceilings = dict(CEILINGS)
    if broken == 'failed_ceiling':
        ceilings['after'] = {'error': 'roofline.py --mode scoring failed'}
    if broken == 'no_second_ceiling':
        del ceilings['after']
    h = mmlu_full.headline({'results': {'full': full}, 'ceilings': ceilings})
    assert 'fraction_of_ceiling' not in h and 'not_computed' in h


def test_questions_are_counted_from_the_csv_and_a_missing_subject_fails(mmlu_full: Any, tmp_path) -> None:
    (tmp_path / 'mmlu' / 'test').mkdir(parents=True)
    for subject, rows in (('alpha', 3), ('beta', 1)):
        (tmp_path / 'mmlu' / 'test' / f'{subject}_test.csv').write_text(
            ''.join(f'"q, {i}",a,b,c,d,A\n' for i in range(rows)), encoding='utf-8')
    assert mmlu_full.all_subjects(tmp_path) == ['alpha', 'beta']
    expected = mmlu_full.expected_questions('mmlu', tmp_path, ['alpha', 'beta'], None)
    assert expected == {'alpha': 3, 'beta': 1}
    assert mmlu_full.expected_questions('mmlu', tmp_path, ['alpha', 'beta'], 2) == {'alpha': 2, 'beta': 1}
    answered = run({'alpha': {'0': 'A', '1': 'A', '2': 'B'}}, seconds=1.0)
    answered['returncode'] = 0
    assert mmlu_full.failures(answered, expected) == ['beta: 0 of 1 questions answered']


def test_peers_are_extrapolated_only_from_complete_fixed_harness_runs(mmlu_full: Any, tmp_path) -> None:
    results = {'opencompass/mmlu': {'wall_seconds': 632.0, 'cpu_seconds': 1264.0, 'n': 632, 'started': 'X',
                                    'variant': 'debug-bs16', 'failures': []},
               'lm-eval/mmlu': {'wall_seconds': 60.0, 'n': 632, 'started': 'X', 'failures': []}}  # old: no CPU s
    source = tmp_path / 'compare_peers.json'
    source.write_text(__import__('json').dumps({'results': results}), encoding='utf-8')
    peers = mmlu_full.peers_source(source)
    assert set(peers) == {'opencompass'}
    full = run({'s1': {str(i): 'A' for i in range(10)}}, seconds=40.0)
    h = mmlu_full.headline({'results': {'full': full}, 'ceilings': CEILINGS, 'peers_source': peers})
    oc = h['extrapolated']['opencompass']
    assert oc['estimated_wall_seconds'] == pytest.approx(10.0) and oc['from_invocation'] == 'X'
    assert oc['configuration'] == 'debug-bs16'
    assert 'lm-eval' in h['not_extrapolated']


def test_the_context_priced_ceiling_charges_each_token_for_its_keys(mmlu_full: Any) -> None:
    """Linear in keys through the fastest rate alone (best shape 4x127: 64 keys a token on average) and the
    fastest behind 2,500 keys (4x127: 2,564): tokens that attend to no more keys than the short-context
    measurement cost what the first ceiling says; every key beyond costs the measured slope."""
    alone = {'decoder_tokens_per_s': 500.0, 'best_shape': '4x127', 'past': 0, 'head_positions_per_s': 1000.0}
    behind = {'decoder_tokens_per_s': 250.0, 'best_shape': '4x127', 'past': 2500}
    rates = [{**alone, 'at_past': behind}, {**alone, 'decoder_tokens_per_s': 400.0, 'at_past': behind}]
    work = {'decoder_tokens': 10_000, 'scored_positions': 4_000, 'attended_keys': 10_000 * 64}
    assert mmlu_full.context_priced_seconds(work, rates) == pytest.approx(24.0)  # the first ceiling
    # 2,500 keys more per token: 1/250 - 1/500 = 2 ms more a token
    work['attended_keys'] = 10_000 * 2564
    assert mmlu_full.context_priced_seconds(work, rates) == pytest.approx(44.0)

    full = run({'s1': {'0': 'A'}}, seconds=88.0)
    full['scoring_work'] = work
    h = mmlu_full.headline({'results': {'full': full}, 'ceilings': {'before': rates[0], 'after': rates[1]}})
    assert h['fraction_of_ceiling'] == pytest.approx(24.0 / 88.0)
    assert h['fraction_of_context_priced'] == pytest.approx(0.5)
