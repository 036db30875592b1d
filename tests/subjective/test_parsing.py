"""Judge prompts, verdict parsing and position-bias accounting, on constructed judgements (no model)."""
from __future__ import annotations

import pytest

from evalkit.config.errors import ConfigError
from evalkit.subjective.jobs import jobs, messages
from evalkit.subjective.parsing import JudgeParser
from evalkit.subjective.prompts import load_prompts
from evalkit.subjective.settings import dataset_judging
from evalkit.subjective.verdicts import pair_results, read_judgement
from tests.conftest import SHARED_DATASETS

requires_mtbench = pytest.mark.skipif(not (SHARED_DATASETS / 'mtbench' / 'judge_prompts.jsonl').is_file(),
                                      reason=f'MT-Bench not found at {SHARED_DATASETS}/mtbench')


def test_default_patterns_read_mtbench_formats() -> None:
    parser = JudgeParser()
    assert parser.score('The answer is fine.\nRating: [[7]]') == 7
    assert parser.score('format "[[rating]]", so: [[8.5]]') == 8.5
    assert parser.score('Rating: [[11]]') is None  # out of the 1-10 range
    assert parser.score('I would give it a seven.') is None
    assert parser.verdict('A is better. [[A]]') == 'A'
    assert parser.verdict('[[C]]') == 'tie'
    assert parser.verdict('[[A]] or maybe [[B]]') is None  # undecided is a failure, not a guess


def test_configured_patterns_and_bad_ones() -> None:
    parser = JudgeParser.from_config({'score_pattern': r'Score: (\d+)/5', 'min_score': 1, 'max_score': 5}, 'p')
    assert parser.score('Score: 4/5') == 4
    with pytest.raises(ConfigError, match=r'p\.score_pattern: not a valid regular expression'):
        JudgeParser.from_config({'score_pattern': r'Score: (\d+'}, 'p')
    with pytest.raises(ConfigError, match='needs a group'):
        JudgeParser.from_config({'verdict_pattern': r'\[\[A\]\]'}, 'p')
    with pytest.raises(ConfigError, match="unknown key.*'score_regex'"):
        JudgeParser.from_config({'score_regex': 'x'}, 'p')


def test_placeholders_are_checked_per_mode() -> None:
    with pytest.raises(ConfigError, match=r'\{answer_a\} cannot be filled in single mode'):
        load_prompts([dict(user='{question} {answer_a}')], 'judge_cfg.prompts')
    with pytest.raises(ConfigError, match=r'\{anser\}'):
        load_prompts([dict(user='{question} {anser}', mode='single')], 'judge_cfg.prompts')
    prompt, = load_prompts([dict(system='Rate it.', user='Q: {question}\nA: {answer}\n{"format": 1}')], 'p')
    assert prompt.messages({'question': 'q', 'answer': 'a'})[1]['prompt'] == 'Q: q\nA: a\n{"format": 1}'


def _pair(row: int, ab: str, ba: str) -> list[dict]:
    return [{'row': row, 'turn': 1, 'order': 'ab', 'raw': ab}, {'row': row, 'turn': 1, 'order': 'ba', 'raw': ba}]


def test_a_flipped_verdict_is_a_tie_counted_as_position_bias() -> None:
    parser = JudgeParser()
    records = [*_pair(0, '[[A]]', '[[B]]'),   # model_a both times: consistent win
               *_pair(1, '[[A]]', '[[A]]'),   # the first shown wins both times: position bias
               *_pair(2, '[[C]]', '[[C]]'),   # a tie both times
               *_pair(3, '[[B]]', 'no verdict')]  # one order unreadable: no outcome
    details = [read_judgement(r, parser) for r in records]
    assert [d['parsed'] for d in details].count(False) == 1
    results = pair_results(details)
    assert [(r.row, r.winner, r.position_bias) for r in results] == [
        (0, 'model_a', False), (1, 'tie', True), (2, 'tie', False)]


@requires_mtbench
def test_mtbench_turn_two_is_graded_with_the_multi_turn_form_and_references() -> None:
    from tests.subjective.conftest import mtbench_slice

    ds, = [d for d in mtbench_slice('mtbench_single', ['mtbench-math']) if d['abbr'] == 'mtbench-math']
    judging = dataset_judging(ds)
    row = {'turns': ['q1', 'q2'], 'reference': ['r1', 'r2'], 'category': 'math'}
    graded = jobs(judging, [row], pair=False)
    assert [(j.turn, j.prompt.name) for j in graded] == [(1, 'single-math-v1'), (2, 'single-math-v1-multi-turn')]
    text = messages(graded[1], row, judging, [['a1', 'a2']])[-1]['prompt']
    assert all(part in text for part in ('q1', 'q2', 'r1', 'r2', 'a1', 'a2'))
    pair = dataset_judging(mtbench_slice('mtbench_pair', ['mtbench-math'])[0])
    assert [j.order for j in jobs(pair, [row], pair=True)] == ['ab', 'ba', 'ab', 'ba']
