"""lm-eval's side of the serving comparison: the generated task reproduces evalkit's GSM8K turns, and
agreement with evalkit is counted per question, a question only one side answered never agreeing."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def peer_module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / 'benchmarks' / 'peers' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


jobs = peer_module('lmeval_chat_jobs')
DIALOGUE = [{'role': 'user', 'content': 'Question: 1+1?\nLet\'s think step by step\nAnswer:'}]


def evalkit_row(messages: list[dict[str, str]], prediction: str) -> dict[str, Any]:
    return {'prompt': json.dumps(messages), 'prediction': prediction}


def test_agreement_counts_each_question_and_missing_ones_differ() -> None:
    other = [{'role': 'user', 'content': 'Question: 2+2?'}]
    evalkit = {0: evalkit_row(DIALOGUE, 'The answer is 2\n'), 1: evalkit_row(DIALOGUE, 'x'),
               2: evalkit_row(DIALOGUE, 'y')}
    lmeval = {0: {'messages': DIALOGUE, 'text': 'The answer is 2\n'}, 1: {'messages': other, 'text': 'z'},
              3: {'messages': DIALOGUE, 'text': 'w'}}
    got = jobs.agreement(evalkit, lmeval)
    assert got == {'questions_compared': 4, 'identical_messages': 1, 'identical_texts': 1,
                   'differing_messages': [1, 2, 3], 'differing_texts': [1, 2, 3]}


def test_task_helpers_write_evalkit_turns(tmp_path: Path) -> None:
    """The helper lm-eval runs gives evalkit's question turn (gsm8k_gen.py's template) and solution turn."""
    from evalkit.datasets.gsm8k import with_solution

    spec = importlib.util.spec_from_file_location('gsm8k_gen', ROOT / 'configs' / 'datasets' / 'gsm8k' / 'gsm8k_gen.py')
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)

    task_dir = jobs.write_task(tmp_path, {'train': 'a.jsonl', 'test': 'b.jsonl'}, 256, ['Question:'])
    spec = importlib.util.spec_from_file_location('task_utils', task_dir / 'utils.py')
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    doc = {'question': 'Tom has 3 apples and buys <<2>> 2 more.', 'answer': 'He has 3+2=<<3+2=5>>5.\n#### 5'}
    assert helpers.question_turn(doc) == config._question.format(**doc)
    assert helpers.solution_turn(doc) == with_solution(doc)['solution'] + '\n'
    yaml = (task_dir / f'{jobs.TASK}.yaml').read_text()
    assert 'until: ["Question:"]' in yaml and 'max_gen_toks: 256' in yaml and 'target_delimiter: ""' in yaml
