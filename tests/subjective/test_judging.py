"""The judge stage on the real default model as candidate and judge (its judgements are poor; the
pipeline is real): MT-Bench single grading and pairwise, the generic dataset, parse-failure accounting."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.outputs import RunDir
from evalkit.pipeline import RunOptions, run_judge_stage
from evalkit.runners.base import TaskOutcome
from evalkit.subjective.settings import JudgeSettings
from evalkit.subjective.summary import SubjectiveSummarizer
from tests.conftest import SHARED_DATASETS
from tests.subjective.conftest import MODEL, answer, judge, mtbench_slice

pytestmark = pytest.mark.skipif(not (SHARED_DATASETS / 'mtbench' / 'question.jsonl').is_file(),
                                reason=f'MT-Bench not found at {SHARED_DATASETS}/mtbench')
JUDGE = dict(MODEL, abbr='judge', max_out_len=8)


def test_single_grading_keeps_raw_outputs_and_counts_parse_failures(chat_lm: Any, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = RunDir(tmp_path / 'run').create()
    datasets = [*mtbench_slice('mtbench_single', ['mtbench-math']),
                *mtbench_slice('subjective_generic', ['subjective-generic'], limit=2)]
    candidate = answer(chat_lm, run_dir, 'cand', datasets, 8, monkeypatch)
    judge(chat_lm, JUDGE, run_dir, [candidate], datasets, JudgeSettings(), monkeypatch)

    stored = [json.loads(line) for line in run_dir.judgements('judge', 'cand', 'mtbench-math').read_text().splitlines()]
    assert [(r['turn'], r['prompt_name']) for r in stored] == [(1, 'single-math-v1'), (2, 'single-math-v1-multi-turn')]
    assert all(r['raw'] and 'Reference' in r['judge_prompt'] for r in stored)

    lenient = SubjectiveSummarizer(max_parse_failure_rate=1.0)
    text, problems = lenient.summarize(run_dir, ['judge'], ['cand'], datasets, JudgeSettings())
    assert problems == [] and 'parse_failures' in text
    header, *rows = run_dir.subjective_summary('csv').read_text().splitlines()
    assert header.startswith('dataset,judge,model,opponent,metric,overall,stderr,turn 1,turn 2,judged,parse_failures')
    assert {r.split(',')[0] for r in rows} == {'mtbench-math', 'subjective-generic', 'mtbench'}
    assert run_dir.subjective_summary('categories.csv').read_text().startswith('dataset,judge,model,opponent,category')
    details = run_dir.judgement_details('judge', 'cand', 'subjective-generic').read_text().splitlines()
    assert len(details) == 2 and all('raw' in json.loads(d) for d in details)

    # A parser that can never match: every judgement is a counted failure, and the run must fail.
    blind = JudgeSettings(parser={'score_pattern': r'NEVER(\d)'})
    text, problems = SubjectiveSummarizer().summarize(run_dir, ['judge'], ['cand'], datasets, blind)
    assert len(problems) == 2
    assert 'mtbench-math / cand judged by judge: 2 of 2 judgements (100%) could not be parsed' in problems[0]
    assert ',2,2,-' in run_dir.subjective_summary('csv').read_text()  # judged 2, parse_failures 2

    # A judge task that fails (its model cannot load) reaches on_failure, the webhook's hook, like infer/eval.
    told: list[TaskOutcome] = []
    broken = dict(JUDGE, abbr='broken-judge', path=str(tmp_path / 'no-such-model'))
    cfg = {'models': [candidate], 'datasets': datasets, 'judge_models': [broken]}
    run_judge_stage(cfg, run_dir, RunOptions(debug=True, on_failure=told.append))
    assert [o.spec.model_abbr for o in told] == ['broken-judge'] and not told[0].ok


def test_pairwise_runs_both_orders_and_feeds_the_arena(chat_lm: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = RunDir(tmp_path / 'run').create()
    datasets = mtbench_slice('mtbench_pair', ['mtbench-writing'])
    short = answer(chat_lm, run_dir, 'short', datasets, 4, monkeypatch)
    longer = answer(chat_lm, run_dir, 'longer', datasets, 8, monkeypatch)
    settings = JudgeSettings(base_models=('short',), parser={'verdict_pattern': r'\[\[([ABC])\]\]|\b([AB])\b'})
    judge(chat_lm, JUDGE, run_dir, [short, longer], datasets, settings, monkeypatch)

    stored = [json.loads(line) for line in
              run_dir.judgements('judge', 'longer_vs_short', 'mtbench-writing').read_text().splitlines()]
    assert [(r['turn'], r['order']) for r in stored] == [(1, 'ab'), (1, 'ba'), (2, 'ab'), (2, 'ba')]
    ab, ba = stored[0]['judge_prompt'], stored[1]['judge_prompt']
    assert ab != ba  # the same two answers, swapped
    text, _ = SubjectiveSummarizer(max_parse_failure_rate=1.0).summarize(
        run_dir, ['judge'], ['short', 'longer'], datasets, settings)
    row = next(r for r in run_dir.subjective_summary('csv').read_text().splitlines()
               if r.startswith('mtbench-writing,'))
    assert row.split(',')[2:5] == ['longer', 'short', 'win_rate']
    assert row.split(',')[-3] == '4'  # judgements made; parse failures and position bias follow
    if 'Arena ratings' in text:  # only when at least one pair had two readable verdicts
        assert (run_dir.root / 'summary' / 'plots' / 'arena_ratings.png').is_file()
