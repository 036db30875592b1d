"""Custom question files evaluated without code: layout detection (MCQ / QA, JSON lines and CSV) on
the samples in data/custom, meta-file overrides, one clear error per kind of bad file, the config
form expanding exactly as the command-line form does, the data file in the reuse fingerprint, and
one real run of the CLI per inference method on the embedded model."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.cli.args import build_parser
from evalkit.cli.run_config import build_run_config
from evalkit.config.custom_datasets import custom_dataset_config, expand_custom_datasets
from evalkit.config.errors import ConfigError
from evalkit.config.plain import to_plain
from evalkit.config.validation import validate_run_config
from evalkit.datasets.reader import read_splits
from evalkit.tasks.fingerprint import compute_fingerprint
from tests.conftest import PROJECT_ROOT, only_run_dir, run_cli

CUSTOM = PROJECT_ROOT / 'data' / 'custom'
MODEL = 'embedded:smollm2-135m-instruct'


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding='utf-8')
    return path.name


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return ''.join(json.dumps(r) + '\n' for r in rows)


def _file_rows(name: str) -> list[dict[str, str]]:
    """The sample's rows read with the json / csv modules, every value as text."""
    path = CUSTOM / name
    if path.suffix == '.csv':
        with open(path, encoding='utf-8', newline='') as fh:
            return list(csv.DictReader(fh))
    rows = [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]
    return [{k: v if isinstance(v, str) else json.dumps(v) for k, v in r.items()} for r in rows]


def _validated(ds: dict[str, Any]) -> None:
    validate_run_config({'models': [{'type': 'HuggingFaceCausalLM', 'abbr': 'm', 'path': MODEL}],
                         'datasets': [ds]}, 'test')


# -- detection -------------------------------------------------------------------------------------

@pytest.mark.parametrize('name, letters', [('demo_mcq.jsonl', 'ABCD'), ('demo_mcq.csv', 'ABC')])
def test_option_columns_make_a_multiple_choice_dataset(name: str, letters: str) -> None:
    cfg = custom_dataset_config(f'custom/{name}')
    assert cfg['abbr'] == 'demo_mcq' and cfg['type'] == 'CustomDataset'
    assert cfg['reader_cfg']['input_columns'] == ['question', *letters]
    assert cfg['reader_cfg']['output_column'] == 'answer'
    human, bot = cfg['infer_cfg']['prompt_template']['template']['round']
    options = ''.join(f'{x}. {{{x}}}\n' for x in letters)
    assert human['prompt'] == '{question}\n' + options + 'Answer:' and bot['prompt'] == '{answer}'
    assert cfg['infer_cfg']['inferencer']['type'] == 'GenInferencer'
    assert cfg['eval_cfg'] == {'evaluator': {'type': 'AccEvaluator'},
                               'pred_postprocessor': {'type': 'OptionLetter', 'options': letters}}
    _validated(cfg)
    _, test = read_splits(cfg)
    assert test == _file_rows(name)


@pytest.mark.parametrize('name', ['demo_qa.jsonl', 'demo_qa.csv'])
def test_question_and_answer_columns_make_a_qa_dataset(name: str) -> None:
    cfg = custom_dataset_config(f'custom/{name}')
    assert cfg['reader_cfg']['input_columns'] == ['question']
    human, _ = cfg['infer_cfg']['prompt_template']['template']['round']
    assert human['prompt'] == '{question}\nAnswer:'
    assert cfg['eval_cfg'] == {'evaluator': {'type': 'EMEvaluator'}}
    _validated(cfg)
    _, test = read_splits(cfg)
    assert test == _file_rows(name)
    if name.endswith('.jsonl'):
        assert test[1]['answer'] == '7'  # a JSON number is read as the text the model must write


def test_ppl_scores_one_prompt_per_option_letter() -> None:
    cfg = custom_dataset_config('custom/demo_mcq.csv', infer_method='ppl')
    template = cfg['infer_cfg']['prompt_template']['template']
    body = '{question}\nA. {A}\nB. {B}\nC. {C}\nAnswer:'
    assert template == {x: f'{body} {x}' for x in 'ABC'}
    assert cfg['infer_cfg']['inferencer'] == {'type': 'PPLInferencer'}
    assert cfg['eval_cfg'] == {'evaluator': {'type': 'AccEvaluator'}}
    _validated(cfg)


def test_data_type_can_be_forced() -> None:
    """A file with option columns read as QA: only the question is asked."""
    cfg = custom_dataset_config('custom/demo_mcq.jsonl', data_type='qa')
    assert cfg['reader_cfg']['input_columns'] == ['question']
    assert cfg['eval_cfg']['evaluator'] == {'type': 'EMEvaluator'}


# -- meta files ------------------------------------------------------------------------------------

def test_meta_file_beside_the_data_overrides_abbr_columns_and_prompt() -> None:
    meta = json.loads((CUSTOM / 'capitals.csv.meta.json').read_text(encoding='utf-8'))
    cfg = custom_dataset_config('custom/capitals.csv')
    assert cfg['abbr'] == 'world-capitals'
    assert cfg['reader_cfg']['input_columns'] == ['country', 'first', 'second', 'third']
    assert cfg['reader_cfg']['output_column'] == 'correct'
    assert cfg['infer_cfg']['prompt_template']['template'] == meta['prompt_template']
    assert cfg['eval_cfg']['pred_postprocessor'] == {'type': 'OptionLetter', 'options': 'ABC'}
    _validated(cfg)
    assert read_splits(cfg)[1][2] == {'country': 'Australia', 'first': 'Sydney', 'second': 'Melbourne',
                                      'third': 'Canberra', 'correct': 'C'}


def test_meta_path_overrides_evaluator_and_arguments_win_over_meta(tmp_path: Path) -> None:
    meta = tmp_path / 'qa.meta.json'
    meta.write_text(json.dumps({'abbr': 'strict-qa', 'evaluator': 'AccEvaluator', 'infer_method': 'gen',
                                'max_out_len': 8, 'data_type': 'mcq'}), encoding='utf-8')
    cfg = custom_dataset_config('custom/demo_mcq.jsonl', data_type='qa', meta_path=str(meta))
    assert cfg['abbr'] == 'strict-qa'
    assert cfg['eval_cfg'] == {'evaluator': {'type': 'AccEvaluator'}}  # the argument's qa: no option letters
    assert cfg['infer_cfg']['inferencer'] == {'type': 'GenInferencer', 'max_out_len': 8}
    meta.write_text(json.dumps({'pred_postprocessor': None, 'infer_method': 'ppl'}), encoding='utf-8')
    cfg = custom_dataset_config('custom/demo_mcq.jsonl', meta_path=str(meta))
    assert cfg['infer_cfg']['inferencer'] == {'type': 'PPLInferencer'}
    assert 'pred_postprocessor' not in cfg['eval_cfg']


# -- bad files -------------------------------------------------------------------------------------

MCQ_ROW = {'question': 'q?', 'A': 'x', 'B': 'y', 'answer': 'A'}


@pytest.mark.parametrize('name, text, message', [
    ('empty.jsonl', '\n\n', "'{path}' has no rows, so there is nothing to evaluate"),
    ('header.csv', 'question,answer\n', "'{path}' has no rows (only a header)"),
    ('broken.jsonl', _jsonl([MCQ_ROW]) + '{"question": "q?", \n', "'{path}', line 2: not valid JSON"),
    ('list.jsonl', _jsonl([MCQ_ROW]) + '["q?", "A"]\n', "'{path}', line 2: expected a JSON object"),
    ('short.jsonl', _jsonl([MCQ_ROW, {'question': 'q2?', 'A': 'x', 'answer': 'B'}]),
     "'{path}', line 2: missing field(s) ['B']"),
    ('fields.csv', 'question,A,B,answer\nq?,x,y,A\nq, with comma?,x,y,B\n', "'{path}', line 3: expected 4 fields"),
    ('noanswer.jsonl', _jsonl([{k: v for k, v in MCQ_ROW.items() if k != 'answer'}]),
     "'{path}' lacks column(s) answer that evalkit's default layout names for a multiple-choice dataset"),
    ('gap.csv', 'question,A,B,D,answer\nq?,x,y,z,A\n', "option columns A, B, D are not consecutive from A (missing C)"),
    ('noquestion.csv', 'prompt,answer\nq?,a\n', "lacks column(s) question that evalkit's default layout names "
                                                "for a question-answer dataset; its columns are prompt, answer"),
    ('table.txt', 'q?\ta\n', "unsupported file type '.txt'"),
])
def test_bad_file_is_an_error_naming_it(data_root: Path, name: str, text: str, message: str) -> None:
    _write(data_root / name, text)
    with pytest.raises(ConfigError) as err:
        custom_dataset_config(name)
    assert message.format(path=data_root / name) in str(err.value)


def test_meta_naming_a_column_the_file_lacks(data_root: Path) -> None:
    name = _write(data_root / 'mcq.jsonl', _jsonl([MCQ_ROW]))
    _write(data_root / 'mcq.jsonl.meta.json', json.dumps({'question_column': 'stem'}))
    with pytest.raises(ConfigError, match=r"lacks column\(s\) stem that the meta file '.*mcq.jsonl.meta.json' names"):
        custom_dataset_config(name)
    _write(data_root / 'mcq.jsonl.meta.json', json.dumps({'questoin_column': 'question'}))
    with pytest.raises(ConfigError, match="unknown key 'questoin_column'. Did you mean 'question_column'"):
        custom_dataset_config(name)


def test_declared_mcq_without_options_and_qa_by_ppl_are_refused(data_root: Path) -> None:
    name = _write(data_root / 'qa.csv', 'question,answer\nq?,a\n')
    with pytest.raises(ConfigError, match='declared multiple choice but has no option columns'):
        custom_dataset_config(name, data_type='mcq')
    with pytest.raises(ConfigError, match='PPL scoring needs candidate answers'):
        custom_dataset_config(name, infer_method='ppl')
    with pytest.raises(ConfigError, match=r"Custom dataset file 'nowhere.csv' does not exist"):
        custom_dataset_config('nowhere.csv')


# -- the config form -------------------------------------------------------------------------------

def test_config_form_expands_like_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / 'custom_run.py'
    config.write_text("datasets = [dict(type='CustomDataset', path='custom/demo_mcq.jsonl', infer_method='ppl')]\n",
                      encoding='utf-8')
    parser = build_parser()
    flags = ['--hf-path', MODEL, '--limit', '3']
    from_config, _ = build_run_config(parser.parse_args([str(config), *flags]))
    from_cli, source = build_run_config(parser.parse_args(
        ['--custom-dataset-path', 'custom/demo_mcq.jsonl', '--custom-dataset-infer-method', 'ppl', *flags]))
    assert to_plain(from_config['datasets']) == to_plain(from_cli['datasets'])
    assert from_cli['datasets'][0]['reader_cfg']['limit'] == 3
    validate_run_config(from_cli, source)


def test_short_form_keys_are_checked_and_extra_dataset_keys_kept() -> None:
    short = {'type': 'CustomDataset', 'path': 'custom/demo_qa.csv', 'abbr': 'my-qa', 'summary_groups': ['mine']}
    [full] = expand_custom_datasets([short], 'cfg.py')
    assert full == {**custom_dataset_config('custom/demo_qa.csv'), 'abbr': 'my-qa', 'summary_groups': ['mine']}
    with pytest.raises(ConfigError, match=r"cfg.py: datasets\[0\] \(CustomDataset\): unknown key 'infer_methd'. "
                                          r"Did you mean 'infer_method'"):
        expand_custom_datasets([{'type': 'CustomDataset', 'path': 'custom/demo_qa.csv', 'infer_methd': 'gen'}],
                               'cfg.py')


def test_changing_the_data_file_changes_the_fingerprint(data_root: Path) -> None:
    name = _write(data_root / 'mine.jsonl', _jsonl([MCQ_ROW]))
    cfg = custom_dataset_config(name)
    before = compute_fingerprint({}, cfg)
    assert list(before.components['data']) == [name]
    _write(data_root / name, _jsonl([{**MCQ_ROW, 'answer': 'B'}]))
    after = compute_fingerprint({}, cfg)
    assert after.digest != before.digest and after.components['data'] != before.components['data']


# -- the command line, end to end -------------------------------------------------------------------

@pytest.mark.slow
def test_cli_runs_a_custom_file_by_generation_and_by_perplexity(tmp_path: Path) -> None:
    """One model load for both methods: the file by flag (generation) beside the same file in a
    config's short form (perplexity), each with its own results."""
    config = tmp_path / 'custom_ppl.py'
    config.write_text("datasets = [dict(type='CustomDataset', path='custom/demo_mcq.jsonl', infer_method='ppl', "
                      "abbr='demo_mcq-ppl')]\n", encoding='utf-8')
    work = tmp_path / 'out'
    result = run_cli(str(config), '--custom-dataset-path', 'data/custom/demo_mcq.jsonl', '--hf-path', MODEL,
                     '--limit', '3', '--max-out-len', '8', '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    run = only_run_dir(work)
    gold = [r['answer'] for r in _file_rows('demo_mcq.jsonl')[:3]]
    for abbr, method in (('demo_mcq', 'gen'), ('demo_mcq-ppl', 'ppl')):
        predictions = [json.loads(line) for line in
                       (run / 'predictions' / 'smollm2-135m-instruct' / f'{abbr}.jsonl').read_text().splitlines()]
        assert [p['gold'] for p in predictions] == gold
        details = [json.loads(line) for line in
                   (run / 'results' / 'smollm2-135m-instruct' / f'{abbr}.details.jsonl').read_text().splitlines()]
        assert [d['gold'] for d in details] == gold
        results = json.loads((run / 'results' / 'smollm2-135m-instruct' / f'{abbr}.json').read_text())
        assert results['num_examples'] == 3 and results['mode'] == method
        assert results['accuracy'] == pytest.approx(100 * sum(d['correct'] for d in details) / 3)
        assert abbr in result.stdout
        if method == 'ppl':
            assert all(set(p['scores']) == set('ABCD') and p['prediction'] in 'ABCD' for p in predictions)
        else:
            assert all('Answer:' in p['prompt'] and 'A. Venus' in predictions[0]['prompt'] for p in predictions)
