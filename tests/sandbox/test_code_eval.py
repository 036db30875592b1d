"""Code benchmarks without a model: loaders and splits, answer extraction, program assembly,
pass@k, and the opt-in that keeps a run from executing model-written code unasked."""
from __future__ import annotations

import argparse
import math

import pytest

from evalkit.cli.args import build_parser
from evalkit.cli.run_config import build_run_config
from evalkit.config.errors import ConfigError
from evalkit.config.validation import validate_run_config
from evalkit.datasets import HumanEvalDataset, MBPPDataset
from evalkit.openicl.evaluators.code import HumanEvalEvaluator, MBPPEvaluator, pass_at_k
from evalkit.openicl.postprocessors.code import CodeBlock, MBPPCode
from tests.conftest import SHARED_DATASETS

MODEL = ['--hf-path', 'embedded:smollm2-135m-instruct']


@pytest.fixture
def code_benchmarks(monkeypatch):
    """The real HumanEval and MBPP, read in place from the shared folder."""
    for path in ('humaneval/HumanEval.jsonl', 'mbpp/mbpp.jsonl'):
        if not (SHARED_DATASETS / path).is_file():
            pytest.skip(f'{SHARED_DATASETS}/{path} not found (the shared benchmark folder is absent)')
    monkeypatch.setenv('EVALKIT_DATA_ROOT', str(SHARED_DATASETS))


def _score(evaluator, rows, answers, records=None):
    return evaluator.score_rows(answers, [r['task_id'] for r in rows], records or [{} for _ in rows], rows)


@pytest.mark.usefixtures('code_benchmarks')
def test_humaneval_loads_in_the_upstream_layout():
    humaneval = HumanEvalDataset.load('humaneval')
    assert list(humaneval) == ['test'] and len(humaneval['test']) == 164
    assert set(humaneval['test'][0]) == {'task_id', 'prompt', 'canonical_solution', 'test', 'entry_point'}
    mbpp = MBPPDataset.load('mbpp')
    assert mbpp['test'][0]['test_text'] == '\n'.join(mbpp['test'][0]['test_list'])


def test_real_mbpp_splits_follow_the_upstream_task_ids(monkeypatch):
    if not (SHARED_DATASETS / 'mbpp' / 'mbpp.jsonl').is_file():
        pytest.skip(f'{SHARED_DATASETS}/mbpp/mbpp.jsonl not found (the shared benchmark folder is absent)')
    monkeypatch.setenv('EVALKIT_DATA_ROOT', str(SHARED_DATASETS))
    splits = MBPPDataset.load('mbpp')
    assert {name: len(rows) for name, rows in splits.items()} == {
        'prompt': 10, 'test': 500, 'validation': 90, 'train': 374}
    assert (splits['prompt'][0]['task_id'], splits['validation'][0]['task_id'], splits['train'][-1]['task_id']) \
        == (1, 511, 974)


@pytest.mark.parametrize('reply, code', [
    ('Sure:\n```python\ndef f():\n    return 1\n```\nDone.', 'def f():\n    return 1\n'),
    ('```bash\nls\n```\n```py\nx = 1\n```', 'x = 1\n'),  # the first *Python* block
    ('Cut short:\n```python\ndef f():\n    return', 'def f():\n    return'),  # max_out_len hit inside the block
    ('    return a + b\n', '    return a + b\n'),  # a base model continuing the prompt
    ('def f():\n    return 1\n```\nThis returns 1.', 'def f():\n    return 1\n'),  # only the closing fence
])
def test_code_block_extraction(reply, code):
    assert CodeBlock()(reply) == code


@pytest.mark.parametrize('reply, code', [
    ("'def f(x):\n    return 'a' * x' \n", "def f(x):\n    return 'a' * x"),  # prompt ended with [BEGIN]
    ("[BEGIN]\n 'def f(): return 1' \n[DONE]\nYou are an expert", 'def f(): return 1'),
    ('```python\ndef f(): return 1\n```\n[DONE]', 'def f(): return 1'),
    ("'''Docstring.'''\ndef f(): return 1", "'''Docstring.'''\ndef f(): return 1"),
    ("def even(n):\n    return n % 2 == 0'\n", 'def even(n):\n    return n % 2 == 0'),  # opening quote in the prompt
    ("def f():\n    return 'a'", "def f():\n    return 'a'"),  # no closing quote: the literal's own stays
])
def test_mbpp_code_extraction(reply, code):
    assert MBPPCode()(reply) == code


@pytest.mark.usefixtures('code_benchmarks')
def test_humaneval_takes_a_continuation_or_a_whole_function():
    rows = HumanEvalDataset.load('humaneval')['test'].to_list()
    body = rows[0]['canonical_solution']
    answers = [body,  # base model: the body, appended to the prompt
               f"```python\ndef has_close_elements(numbers, threshold):\n{body}```",  # chat model: the whole function
               # a helper of the prompt stays usable (separate_paren_groups' prompt imports List)
               f"```python\ndef separate_paren_groups(paren_string: str) -> List[str]:\n"
               f"{rows[1]['canonical_solution']}```",
               '    return False\n']
    scores = _score(HumanEvalEvaluator(), [rows[0], rows[0], rows[1], rows[0]], answers)
    assert [d['outcomes'] for d in scores['details']] == [['passed'], ['passed'], ['passed'],
                                                          ['failed: AssertionError']]
    assert scores['pass@1'] == 75.0
    assert scores['stderr']['pass@1'] == pytest.approx(25.0)  # sd 50 of (100, 100, 100, 0) over sqrt(4)


@pytest.mark.usefixtures('code_benchmarks')
def test_mbpp_runs_the_setup_code_before_the_asserts():
    rows = [r for r in MBPPDataset.load('mbpp')['test'].to_list() if r['test_setup_code'].strip()]
    scores = _score(MBPPEvaluator(), rows, [f"'{r['code']}'\n[DONE]" for r in rows])
    assert [r['task_id'] for r in rows] == [367] and scores['pass@1'] == 100.0
    without_setup = [dict(r, test_setup_code='') for r in rows]  # its asserts need what the setup defines
    assert _score(MBPPEvaluator(), without_setup, [f"'{r['code']}'" for r in rows])['pass@1'] == 0.0


def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(5, 0, 1) == 0.0 and pass_at_k(5, 5, 3) == 1.0
    assert pass_at_k(5, 1, 1) == pytest.approx(0.2)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - math.comb(7, 5) / math.comb(10, 5))


@pytest.mark.usefixtures('code_benchmarks')
def test_several_samples_give_pass_at_k():
    """Records from ``num_return_sequences`` > 1 keep every answer in ``samples``."""
    rows = MBPPDataset.load('mbpp')['test'].to_list()[:2]
    right, wrong = f"'{rows[0]['code']}'", "'def is_even(n):\n    return True'"
    records = [{'samples': [right, wrong, right, wrong]}, {'samples': [wrong] * 4}]
    scores = _score(MBPPEvaluator(k=[1, 2]), rows, [right, wrong], records)
    assert scores['pass@1'] == pytest.approx(25.0)
    assert scores['pass@2'] == pytest.approx(100 * (1 - 1 / 6) / 2)
    first = scores['details'][0]
    assert (first['task_id'], first['passed'], first['samples']) == (11, 2, 4)
    assert [o == 'passed' for o in first['outcomes']] == [True, False, True, False]
    with pytest.raises(ValueError, match='pass@8 needs at least 8 samples'):
        _score(MBPPEvaluator(k=[8]), rows, [right, wrong], records)


@pytest.mark.parametrize('settings, message', [
    ({'timeout': 0}, 'timeout'), ({'memory_mb': 10}, 'memory_mb'), ({'k': [0]}, 'k'), ({'workers': 0}, 'workers')])
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        HumanEvalEvaluator(**settings)


def _run_config(*flags: str) -> tuple[argparse.Namespace, object, str]:
    args = build_parser().parse_args(['--datasets', 'humaneval_gen', 'mbpp_gen', *MODEL, *flags])
    cfg, source = build_run_config(args)
    return args, cfg, source


def test_code_benchmarks_need_consent_before_any_work():
    _, cfg, source = _run_config()
    with pytest.raises(ConfigError, match=r'openai_humaneval, mbpp score answers by executing.*--allow-code-execution'):
        validate_run_config(cfg, source)
    cfg['allow_code_execution'] = 'yes'
    with pytest.raises(ConfigError, match='allow_code_execution: expected True or False'):
        validate_run_config(cfg, source)


def test_consent_from_the_flag_or_the_config():
    _, cfg, source = _run_config('--allow-code-execution')
    assert cfg['allow_code_execution'] is True
    validate_run_config(cfg, source)
    _, cfg, source = _run_config('--cfg-options', 'allow_code_execution=True')
    validate_run_config(cfg, source)


def test_a_bad_sandbox_limit_fails_at_validation():
    _, cfg, source = _run_config('--allow-code-execution', '--cfg-options', 'datasets.0.eval_cfg.evaluator.timeout=0')
    with pytest.raises(ConfigError, match='sandbox limit timeout'):
        validate_run_config(cfg, source)
