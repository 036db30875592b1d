"""A real run: the model answers HumanEval and MBPP sample problems, the sandbox scores them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import only_run_dir, run_cli

OUTCOMES = ('passed', 'failed', 'timed out', 'error')


@pytest.mark.slow
def test_code_benchmarks_run_offline_on_their_samples(work_dir: Path) -> None:
    done = run_cli('tests/sandbox/code_sample_run.py', '-w', str(work_dir), '--data-root', 'data/code-samples')
    assert done.returncode == 0, done.stderr[-3000:]
    results = only_run_dir(work_dir) / 'results' / 'smollm2-135m-instruct'
    passes = 0
    for abbr in ('openai_humaneval', 'mbpp'):
        result = json.loads((results / f'{abbr}.json').read_text())
        assert result['num_examples'] == 2 and 0 <= result['pass@1'] <= 100 and 'pass@1' in result['stderr']
        details = [json.loads(line) for line in (results / f'{abbr}.details.jsonl').read_text().splitlines()]
        assert all(d['outcomes'][0].split(':')[0] in OUTCOMES and set(d) == {
            'index', 'task_id', 'correct', 'passed', 'samples', 'outcomes'} for d in details), details
        passes += sum(d['passed'] for d in details)
    assert passes >= 1  # the greedy answers to the easiest sample problems are right: the sandbox lets them pass
    assert 'pass@1' in done.stdout
