"""A real run: the model answers the first real HumanEval and MBPP problems, the sandbox scores them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATASETS, only_run_dir, run_cli

OUTCOMES = ('passed', 'failed', 'timed out', 'error')


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATASETS / 'humaneval').is_dir() or not (SHARED_DATASETS / 'mbpp').is_dir(),
                    reason=f'HumanEval/MBPP not found under {SHARED_DATASETS} (the shared benchmark folder is absent)')
def test_code_benchmarks_run_offline_on_the_real_problems(work_dir: Path) -> None:
    done = run_cli('tests/sandbox/code_sample_run.py', '-w', str(work_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    results = only_run_dir(work_dir) / 'results' / 'smollm2-135m-instruct'
    for abbr in ('openai_humaneval', 'mbpp'):
        result = json.loads((results / f'{abbr}.json').read_text())
        assert result['num_examples'] == 2 and 0 <= result['pass@1'] <= 100 and 'pass@1' in result['stderr']
        details = [json.loads(line) for line in (results / f'{abbr}.details.jsonl').read_text().splitlines()]
        assert all(d['outcomes'][0].split(':')[0] in OUTCOMES and set(d) == {
            'index', 'task_id', 'correct', 'passed', 'samples', 'outcomes'} for d in details), details
        assert result['pass@1'] == 100 * sum(d['passed'] for d in details) / len(details)  # scored from the runs
    assert 'pass@1' in done.stdout
