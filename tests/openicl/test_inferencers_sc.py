"""Self-consistency: the vote over postprocessed samples, and a real sampled run (CLI) on GSM8K questions."""
from __future__ import annotations

import json

import pytest

from evalkit.api.model import BaseModel
from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers import SCInferencer, majority_vote
from evalkit.openicl.postprocessors import LastNumber
from evalkit.tasks.evaluate import processed_predictions
from tests.conftest import SHARED_DATASETS, cli_env, only_run_dir, run_cli

requires_shared_gsm8k = pytest.mark.skipif(
    not (SHARED_DATASETS / 'gsm8k' / 'test.jsonl').is_file(),
    reason=f'real GSM8K not found at {SHARED_DATASETS}/gsm8k (the shared benchmark folder is absent)')
EVAL_CFG = {'pred_postprocessor': {'type': LastNumber}}
MODEL = 'smollm2-135m-hf'


def test_majority_vote_counts_answers_skips_empty_ones_and_breaks_ties_by_first_sample() -> None:
    assert majority_vote(['3', '5', '5', '3', '5']) == '5'
    assert majority_vote(['7', '', '', '8', '8']) == '8'  # nothing extracted does not vote
    assert majority_vote(['2', '9', '9', '2']) == '2'  # tie: the answer sampled first
    assert majority_vote(['', '']) == ''


def test_votes_are_taken_over_postprocessed_samples() -> None:
    records = [{'index': 0, 'prediction': 'so it is 12', 'samples': ['so it is 12', 'I get 10.', 'The answer is 10']},
               {'index': 1, 'prediction': 'no idea', 'samples': ['no idea', '4 + 3 = 7', 'hmm']}]
    assert processed_predictions(records, EVAL_CFG, None, True, 'test') == ['10', '7']
    assert processed_predictions(records, EVAL_CFG, None, False, 'test') == ['12', '']


def test_sc_refuses_greedy_decoding(base_lm: BaseModel) -> None:
    with pytest.raises(ConfigError, match=r'self-consistency needs sampled answers.*Set temperature'):
        SCInferencer(sc_size=3).sampling(base_lm)
    with pytest.raises(ConfigError, match='sc_size: expected an integer >= 1'):
        SCInferencer.check_config({'sc_size': 0}, 'cfg.py: inferencer')


@pytest.mark.slow
@requires_shared_gsm8k
def test_sc_run_through_the_cli_samples_three_answers_per_gsm8k_question_and_votes(tmp_path) -> None:
    """Validation, sampled inference, the vote at evaluation and the result file, on 3 real questions."""
    work = tmp_path / 'out'
    # one torch thread: on a machine shared with other jobs, two threads stall at every parallel region
    result = run_cli('tests/configs/gsm8k_sc.py', '-w', str(work), '--debug', timeout=600,
                     env=cli_env(OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    run_dir = only_run_dir(work)
    lines = (run_dir / 'predictions' / MODEL / 'gsm8k-sc.jsonl').read_text().splitlines()
    records = sorted((json.loads(line) for line in lines), key=lambda r: r['index'])
    assert [len(r['samples']) for r in records] == [3, 3, 3]
    assert len({s for r in records for s in r['samples']}) > 3  # sampled, not three copies of one answer
    details = [json.loads(line) for line in (run_dir / 'results' / MODEL / 'gsm8k-sc.details.jsonl').open()]
    for record, detail in zip(records, details):
        answers = [LastNumber(stop_at='Question:')(s) for s in record['samples']]
        assert detail['pred'] == majority_vote(answers)
    scores = json.loads((run_dir / 'results' / MODEL / 'gsm8k-sc.json').read_text())
    assert scores['num_examples'] == 3 and scores['accuracy'] == pytest.approx(
        100 * sum(d['correct'] for d in details) / 3)
