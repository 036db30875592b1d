"""Every reference solution passes in the sandbox: it is not too strict for the real benchmarks.

All 164 HumanEval problems and the 500 MBPP test problems (task ids 11-510), read in place from
the shared datasets, through the same evaluator path (extraction, program assembly, pool) a run
uses.  Slow: about 700 sandboxed processes, run in parallel.
"""
from __future__ import annotations

import pytest

from evalkit.datasets import HumanEvalDataset, MBPPDataset
from evalkit.openicl.evaluators.code import HumanEvalEvaluator, MBPPEvaluator
from tests.conftest import SHARED_DATASETS

pytestmark = pytest.mark.slow


def _score(evaluator, rows, answers):
    return evaluator.score_rows(answers, [r['task_id'] for r in rows], [{} for _ in rows], rows)


def _real(monkeypatch: pytest.MonkeyPatch, relative: str) -> None:
    """Read the shared copy, not the project's small sample of the same layout."""
    if not (SHARED_DATASETS / relative).is_file():
        pytest.skip(f'{SHARED_DATASETS / relative} not found (the shared benchmark folder is absent)')
    monkeypatch.setenv('EVALKIT_DATA_ROOT', str(SHARED_DATASETS))


def test_all_humaneval_reference_solutions_pass(monkeypatch):
    _real(monkeypatch, 'humaneval/HumanEval.jsonl')
    rows = HumanEvalDataset.load('humaneval')['test'].to_list()
    assert len(rows) == 164
    scores = _score(HumanEvalEvaluator(), rows, [r['canonical_solution'] for r in rows])
    assert scores['pass@1'] == 100.0, [d for d in scores['details'] if not d['correct']]


def test_all_mbpp_test_reference_solutions_pass(monkeypatch):
    _real(monkeypatch, 'mbpp/mbpp.jsonl')
    rows = MBPPDataset.load('mbpp')['test'].to_list()
    assert [r['task_id'] for r in rows] == list(range(11, 511))
    # as the few-shot answers show code: between [BEGIN] and [DONE], in quotes
    scores = _score(MBPPEvaluator(), rows, [f"[BEGIN]\n '{r['code']}' \n[DONE]" for r in rows])
    assert scores['pass@1'] == 100.0, [d for d in scores['details'] if not d['correct']]
