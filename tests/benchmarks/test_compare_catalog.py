"""The catalog comparison's bookkeeping on constructed results (OpenCompass itself is not run here):
per-question agreement and the accuracy gap against their targets, the disagreeing rows kept for
inspection, no ratio or agreement from a short, failed or other-invocation run, and replies scored
by the evalkit config's own postprocessor and evaluator whichever framework wrote them."""
from __future__ import annotations

from typing import Any

import pytest

from tests.benchmarks.test_compare_peers_report import benchmark_script
from tests.conftest import SHARED_DATASETS


@pytest.fixture(scope='module')
def compare_catalog() -> Any:
    return benchmark_script('compare_catalog')


def ppl_result(preds: list[str], golds: list[str], started: str = 'run1', seconds: float = 10.0) -> dict[str, Any]:
    rows = {str(i): {'pred': p, 'gold': g, 'correct': p == g} for i, (p, g) in enumerate(zip(preds, golds))}
    return {'started': started, 'returncode': 0, 'wall_seconds': seconds, 'cpu_seconds': seconds * 1.5,
            'n': len(rows), 'accuracy': sum(r['correct'] for r in rows.values()) / len(rows),
            'predictions': {'ARC-c': rows}, 'failures': []}


def test_agreement_gap_and_the_rows_that_differ(compare_catalog: Any) -> None:
    golds = ['A'] * 20
    ours = ppl_result(['A'] * 10 + ['B'] * 10, golds, seconds=10.0)
    theirs = ppl_result(['A'] * 9 + ['C'] + ['B'] * 10, golds, seconds=25.0)
    entry = compare_catalog.compare({'evalkit/arc_c_ppl': ours, 'opencompass/arc_c_ppl': theirs})['arc_c_ppl']
    assert entry['prediction_agreement'] == {'questions': 20, 'agree': 19, 'fraction': 0.95}
    assert entry['verdict_agreement']['agree'] == 19
    assert entry['accuracy_gap_points'] == pytest.approx(5.0)
    assert entry['time_ratio'] == pytest.approx(2.5) and entry['cpu_ratio'] == pytest.approx(2.5)
    assert entry['meets_targets'] is False  # 95% agreement, but a 5-point gap
    assert entry['disagreements'] == [{'task': 'ARC-c', 'row': 9, 'evalkit': 'A', 'opencompass': 'C', 'gold': 'A',
                                       'evalkit_correct': True, 'opencompass_correct': False}]
    same = compare_catalog.compare({'evalkit/arc_c_ppl': ours, 'opencompass/arc_c_ppl': ours})['arc_c_ppl']
    assert same['meets_targets'] is True and same['disagreements'] == []


def test_a_short_failed_or_other_invocation_run_gives_no_ratio(compare_catalog: Any) -> None:
    from validity import failures

    ours = ppl_result(['A', 'B', 'C'], ['A', 'B', 'C'])
    short = ppl_result(['A', 'B'], ['A', 'B'], seconds=1.0)
    short['failures'] = failures(short, {'ARC-c': 3})
    assert short['failures'] == ['ARC-c: 2 of 3 questions answered']
    crashed = {**ppl_result(['A', 'B', 'C'], ['A', 'B', 'C']), 'returncode': 1}
    crashed['failures'] = failures(crashed, {'ARC-c': 3})
    later = ppl_result(['A', 'B', 'C'], ['A', 'B', 'C'], started='run2')
    for theirs in (short, crashed, later):
        assert compare_catalog.compare({'evalkit/arc_c_ppl': ours, 'opencompass/arc_c_ppl': theirs}) == {}
    assert compare_catalog.compare({'evalkit/arc_c_ppl': ours}) == {}


@pytest.mark.skipif(not (SHARED_DATASETS / 'bbh' / 'data').is_dir(),
                    reason=f'real BBH not found at {SHARED_DATASETS}/bbh')
def test_replies_of_either_framework_are_scored_by_the_evalkit_config(compare_catalog: Any) -> None:
    """Two BBH rows answered by "replies" with the gold option and a wrong one, both frameworks alike:
    the config's own extraction reads the letters, identical texts count as identical."""
    config = next(d for d in compare_catalog.job_datasets('bbh', 2) if d['abbr'] == 'bbh-date_understanding')
    from evalkit.datasets.reader import read_splits

    golds = [row['target'] for row in read_splits(config)[1]]
    wrong = '(A)' if golds[1] != '(A)' else '(B)'
    texts = {'0': f'Step one. So the answer is {golds[0]}.', '1': f'Hmm. So the answer is {wrong}.'}
    scored = compare_catalog.score_texts(config, texts)
    assert [scored[k]['correct'] for k in ('0', '1')] == [True, False]
    assert scored['0']['pred'] == golds[0].strip('()') and scored['1']['pred'] == wrong.strip('()')
    result = {'started': 'r', 'returncode': 0, 'wall_seconds': 5.0, 'failures': [],
              'predictions': {'bbh-date_understanding': {k: {'text': t} for k, t in texts.items()}}}
    compare_catalog.score_generation(result, 'bbh', 2)
    assert result['accuracy'] == 0.5 and result['n'] == 2
    entry = compare_catalog.compare({'evalkit/bbh': result, 'opencompass/bbh': dict(result, wall_seconds=9.0)})['bbh']
    assert entry['identical_text'] == {'questions': 2, 'agree': 2, 'fraction': 1.0}
    assert entry['accuracy_gap_points'] == 0 and entry['meets_targets'] is True
