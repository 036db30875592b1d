"""Which configuration a peer runs in: the fastest complete candidate that its tuning slice could tell
apart from the others.  A slice that fits in one batch times every larger batch size alike, and picking
one of those sent OpenCompass's GSM8K job to batch 32, where one batch took 17 minutes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.test_compare_peers_report import ROOT, benchmark_script

MEASURED = ROOT / 'benchmarks' / 'results' / 'peer_variants.json'


@pytest.fixture(scope='module')
def variants() -> Any:
    benchmark_script('compare_peers')  # puts benchmarks/peers on sys.path, as the scripts run it
    import variants

    return variants


def test_the_measured_picks_ignore_candidates_their_slice_could_not_tell_apart(variants: Any) -> None:
    recorded = json.loads(MEASURED.read_text(encoding='utf-8'))
    gsm8k = recorded['results']['opencompass/gsm8k']
    assert recorded['limits']['gsm8k'] == 16 and min(gsm8k, key=lambda n: gsm8k[n]['wall_seconds']) == 'debug-bs32'
    # 16 questions are one batch at 16 or 32: of the candidates that ran two batches or more, batch 8 was fastest
    assert variants.chosen_variant(MEASURED, 'opencompass', 'gsm8k')['name'] == 'debug-bs8'
    assert variants.chosen_variant(MEASURED, 'opencompass', 'mmlu')['name'] == 'debug-bs8'  # 48 prompts a subject
    assert variants.chosen_variant(MEASURED, 'lm-eval', 'mmlu')['name'] == 'bs8'  # 'auto' was OOM-killed


def test_tuning_skips_one_batch_candidates_and_keeps_the_pairs_not_tuned(variants: Any, tmp_path: Path) -> None:
    tuned = tmp_path / 'peer_variants.json'
    tuned.write_text(MEASURED.read_text(encoding='utf-8'), encoding='utf-8')
    ran: list[tuple[str, int]] = []

    def measured_candidate(framework: str, job: str, candidate: dict[str, Any], limit: int) -> dict[str, Any]:
        ran.append((candidate['name'], limit))
        seconds = {'debug-bs8': 300.0, 'debug-bs16': 200.0, 'partitioned-bs8': 250.0}[candidate['name']]
        failed = ['answered 31 of 32 questions'] if candidate['name'] == 'debug-bs16' else []
        return {'wall_seconds': seconds, 'cpu_seconds': 2 * seconds, 'n': limit, 'failures': failed}

    variants.tune_peers([('opencompass', 'gsm8k')], tuned, {'started': 'now'}, measured_candidate)

    limit = variants.TUNE_LIMITS['gsm8k']
    assert ran == [('debug-bs8', limit), ('debug-bs16', limit), ('partitioned-bs8', limit)]  # no batch 32
    report = json.loads(tuned.read_text(encoding='utf-8'))
    assert report['results']['opencompass/mmlu']['debug-bs8']['limit'] == 12  # kept, with its own slice
    assert variants.chosen_variant(tuned, 'opencompass', 'gsm8k')['name'] == 'partitioned-bs8'  # bs16 failed
    assert variants.chosen_variant(tuned, 'opencompass', 'mmlu')['name'] == 'debug-bs8'
