"""The benchmark catalog: each loader on the real benchmarks (../shared/datasets) and on the project's
samples (data/), checked against the files read with the json and csv modules; the errors of broken
inputs; BBH's answer extraction; every catalog config building prompts for its first rows without a
model; and one real CLI run over a few configs on the embedded model.  ``data_root`` and
``offline_hub`` come from tests/datasets/conftest.py."""
from __future__ import annotations

import csv
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import config_index
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config
from evalkit.datasets import (
    ARCDataset,
    ARCFourChoiceDataset,
    BBHDataset,
    CMMLUDataset,
    CommonsenseQADataset,
    HellaSwagDataset,
    MATH500Dataset,
    MATHDataset,
    NQOpenDataset,
    OBQADataset,
    PIQADataset,
    TriviaQADataset,
    WinoGrandeDataset,
)
from evalkit.openicl.postprocessors.bbh import BBHFreeformAnswer, BBHOptionAnswer
from evalkit.tasks.infer import prepare
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, only_run_dir, run_cli

DATA = PROJECT_ROOT / 'data'
CATALOG_CONFIGS = ['bbh_gen', 'cmmlu_gen', 'cmmlu_ppl', 'ARC_c_gen', 'ARC_c_ppl', 'ARC_e_gen', 'ARC_e_ppl',
                   'hellaswag_gen', 'hellaswag_ppl', 'winogrande_gen', 'winogrande_ppl', 'piqa_gen',
                   'piqa_ppl', 'commonsenseqa_gen', 'commonsenseqa_ppl', 'obqa_gen', 'obqa_ppl', 'math_gen',
                   'math500_gen', 'nq_gen', 'triviaqa_gen']
SHARED_BENCHMARKS = ('arc', 'bbh', 'piqa', 'winogrande', 'commonsenseqa', 'openbookqa', 'math500', 'nq_open')
requires_shared_catalog = pytest.mark.skipif(
    not all((SHARED_DATASETS / name).is_dir() for name in SHARED_BENCHMARKS),
    reason=f'real benchmarks ({", ".join(SHARED_BENCHMARKS)}) not all found at {SHARED_DATASETS}')


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def _sizes(splits: Any) -> dict[str, int]:
    return {name: len(split) for name, split in splits.items()}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return path


# -- the real benchmarks ------------------------------------------------------------------------

@requires_shared_catalog
def test_arc_counts_numeric_labels_and_three_or_five_choices() -> None:
    challenge = ARCDataset.load('arc', 'ARC-Challenge')
    assert _sizes(challenge) == {'train': 1119, 'dev': 299, 'test': 1172}
    assert _sizes(ARCDataset.load('arc', 'ARC-Easy')) == {'train': 2251, 'dev': 570, 'test': 2376}
    raw = _jsonl(SHARED_DATASETS / 'arc' / 'ARC-Challenge' / 'ARC-Challenge-Test.jsonl')
    numeric = next(i for i, r in enumerate(raw) if r['question']['choices'][0]['label'] == '1')
    five = next(i for i, r in enumerate(raw) if len(r['question']['choices']) == 5)
    three = next(i for i, r in enumerate(raw) if len(r['question']['choices']) == 3)
    for i in (numeric, five, three):
        choices, row = raw[i]['question']['choices'], challenge['test'][i]
        gold = [c['label'] for c in choices].index(raw[i]['answerKey'])
        assert row['id'] == raw[i]['id'] and row['answer'] == 'ABCDE'[gold]
        assert row['options'].split('\n') == [f'{"ABCDE"[k]}. {c["text"]}' for k, c in enumerate(choices)]
        assert [row[x] for x in 'ABCDE'] == [c['text'] for c in choices] + [''] * (5 - len(choices))
    assert raw[numeric]['id'] == 'NYSEDREGENTS_2008_8_34' and challenge['test'][numeric]['answer'] == 'B'
    assert challenge['test'][five]['E'] and not challenge['test'][three]['D']


@requires_shared_catalog
def test_arc_four_choice_view_drops_only_other_questions() -> None:
    four = ARCFourChoiceDataset.load('arc', 'ARC-Challenge')
    assert _sizes(four) == {'train': 1117, 'dev': 295, 'test': 1165}
    assert all(row['D'] and not row['E'] for row in four['test'])


@requires_shared_catalog
def test_piqa_labels_come_from_the_label_file() -> None:
    splits = PIQADataset.load('piqa')
    raw = _jsonl(SHARED_DATASETS / 'piqa' / 'valid.jsonl')
    labels = (SHARED_DATASETS / 'piqa' / 'valid-labels.lst').read_text().split()
    assert len(splits['valid']) == len(raw) == len(labels) == 1838
    for i in (0, 1, 1837):
        row = splits['valid'][i]
        assert (row['question'], row['A'], row['B']) == (raw[i]['goal'], raw[i]['sol1'], raw[i]['sol2'])
        assert row['answer'] == 'AB'[int(labels[i])]
    assert [splits['valid'][i]['answer'] for i in (0, 1)] == ['A', 'B']


@requires_shared_catalog
def test_winogrande_fills_the_blank_and_reads_labels() -> None:
    splits = WinoGrandeDataset.load('winogrande')
    assert _sizes(splits) == {'dev': 1267, 'train_xs': 160}
    first = splits['dev'][0]
    assert first['answer'] == 'B'  # dev-labels.lst line 1 is "2"
    assert first['filled_B'] == ('Sarah was a much better surgeon than Maria so Maria always got the '
                                 'easier cases.')
    labels = (SHARED_DATASETS / 'winogrande' / 'dev-labels.lst').read_text().split()
    assert [r['answer'] for r in splits['dev']] == ['AB'[int(x) - 1] for x in labels]


@requires_shared_catalog
def test_commonsenseqa_and_openbookqa_rows() -> None:
    csqa = CommonsenseQADataset.load('commonsenseqa')
    assert _sizes(csqa) == {'train': 9741, 'dev': 1221}
    raw = _jsonl(SHARED_DATASETS / 'commonsenseqa' / 'dev_rand_split.jsonl')
    assert [r['answer'] for r in csqa['dev']] == [r['answerKey'] for r in raw]  # labels are A-E in order
    assert csqa['dev'][0]['E'] == 'new york'
    obqa = OBQADataset.load('openbookqa')
    assert _sizes(obqa) == {'train': 4957, 'dev': 500, 'test': 500}
    assert obqa['test'][0]['question'].startswith('A person wants to start saving money')
    assert obqa['test'][0]['answer'] == 'B' and obqa['test'][0]['B'] == 'quit eating lunch out'


@requires_shared_catalog
def test_bbh_tasks_and_prompts_without_canary() -> None:
    tasks = runpy.run_path(str(PROJECT_ROOT / 'configs' / 'datasets' / 'bbh' / '_bbh_tasks.py'))
    names = tasks['bbh_multiple_choice_tasks'] + tasks['bbh_free_form_tasks']
    assert sorted(names) == sorted(p.stem for p in (SHARED_DATASETS / 'bbh' / 'data').glob('*.json'))
    assert len(names) == 27
    total = 0
    for name in names:
        test = BBHDataset.load('bbh', name)['test']
        total += len(test)
        assert 'canary' not in test[0]['prompt'].lower() and '-----' not in test[0]['prompt']
        assert test[0]['prompt'].count("A: Let's think step by step.") == 3, name
    assert total == 6511
    date = BBHDataset.load('bbh', 'date_understanding')['test'][0]
    assert date['target'] == '(B)' and date['prompt'].startswith('Infer the date from context.')


@requires_shared_catalog
def test_math500_and_nq_open_rows() -> None:
    math500 = MATH500Dataset.load('math500')['test']
    assert len(math500) == 500
    assert math500[0]['answer'] == '\\left( 3, \\frac{\\pi}{2} \\right)'
    nq = NQOpenDataset.load('nq_open')['dev']
    assert len(nq) == 3610
    assert nq[0] == {'question': 'when was the last time anyone was on the moon',
                     'answers': ['14 December 1972 UTC', 'December 1972']}


# -- the samples written for benchmarks absent from the shared folder ----------------------------

def test_cmmlu_sample_every_subject_matches_its_files() -> None:
    subjects = runpy.run_path(str(PROJECT_ROOT / 'configs' / 'datasets' / 'cmmlu' / '_cmmlu_subjects.py'))
    assert len(subjects['cmmlu_subjects']) == 67
    on_disk = sorted(p.stem for p in (DATA / 'cmmlu' / 'test').glob('*.csv'))
    assert sorted(subjects['cmmlu_subjects']) == on_disk
    for subject in subjects['cmmlu_subjects']:
        splits = CMMLUDataset.load('cmmlu', subject)
        for split in ('dev', 'test'):
            with open(DATA / 'cmmlu' / split / f'{subject}.csv', encoding='utf-8', newline='') as fh:
                raw = list(csv.DictReader(fh))
            assert [(r['question'], r['A'], r['D'], r['answer']) for r in splits[split]] == \
                [(r['Question'], r['A'], r['D'], r['Answer']) for r in raw], (subject, split)
        assert _sizes(splits) == {'dev': 5, 'test': 2}


def test_hellaswag_triviaqa_and_math_samples() -> None:
    hellaswag = HellaSwagDataset.load('hellaswag')['val']
    raw = _jsonl(DATA / 'hellaswag' / 'hellaswag_val.jsonl')
    assert [r['answer'] for r in hellaswag] == ['ABCD'[r['label']] for r in raw] == ['A', 'C', 'B', 'D']
    assert hellaswag[0]['question'] == raw[0]['ctx'] and hellaswag[0]['D'] == raw[0]['endings'][3]

    trivia = TriviaQADataset.load('triviaqa')
    assert _sizes(trivia) == {'train': 2, 'validation': 3}
    assert trivia['validation'][0]['answers'] == ['Ludwig van Beethoven', 'Beethoven', 'L. van Beethoven']

    math = MATHDataset.load('math')
    assert _sizes(math) == {'train': 7, 'test': 7}
    assert math['test'][0]['subject'] == 'Algebra' and math['test'][0]['solution'].endswith('\\boxed{6}$.')
    geometry = MATHDataset.load('math', 'geometry')
    assert _sizes(geometry) == {'train': 1, 'test': 1} and geometry['test'][0]['level'] == 'Level 2'


# -- broken inputs -------------------------------------------------------------------------------

def test_label_file_out_of_step_with_its_data_is_refused(data_root: Path) -> None:
    _write(data_root / 'piqa' / 'valid.jsonl', '{"goal": "g", "sol1": "a", "sol2": "b"}\n' * 3)
    _write(data_root / 'piqa' / 'valid-labels.lst', '0\n1\n')
    with pytest.raises(ConfigError, match=r"valid-labels.lst' has 2 labels but its data file has 3 rows"):
        PIQADataset.load('piqa')


def test_arc_answer_key_outside_the_labels_is_refused(data_root: Path) -> None:
    choices = [{'text': 'x', 'label': 'A'}, {'text': 'y', 'label': 'B'}]
    row = {'id': 'q1', 'question': {'stem': 's', 'choices': choices}, 'answerKey': 'C'}
    for split in ('Train', 'Dev', 'Test'):
        _write(data_root / 'arc' / 'ARC-Easy' / f'ARC-Easy-{split}.jsonl', json.dumps(row) + '\n')
    with pytest.raises(ConfigError, match=r"answerKey 'C' of question 'q1' is none of its choice labels"):
        ARCDataset.load('arc', 'ARC-Easy')


def test_bbh_prompt_without_canary_separator_is_refused(data_root: Path) -> None:
    _write(data_root / 'bbh' / 'data' / 'navigate.json',
           json.dumps({'examples': [{'input': 'q', 'target': 'No'}]}))
    _write(data_root / 'bbh' / 'lib_prompt' / 'navigate.txt', 'Q: a question\nA: an answer\n')
    with pytest.raises(ConfigError, match=r"navigate.txt': expected a canary header ended by a '-----' line"):
        BBHDataset.load('bbh', 'navigate')


def test_no_local_copy_offline_names_the_hub_id_and_the_layout(offline_hub: None) -> None:
    with pytest.raises(ConfigError) as error:
        TriviaQADataset.load('no_such_folder')
    assert str(error.value).startswith('Dataset mandarjoshi/trivia_qa/rc.nocontext is not available locally '
                                       '(looked for no_such_folder/rc.nocontext/{train,validation}.jsonl')


# -- BBH answer extraction -----------------------------------------------------------------------

@pytest.mark.parametrize(('output', 'letter'), [
    ('The first date is 12/25/1937. So the answer is (B).', 'B'),
    ('So the answer is (C).\n\nQ: another made-up question. So the answer is (A).', 'C'),
    ('So the answer is D.', 'D'),
    ('(E)', 'E'),  # a gold target
    ('I cannot tell.', ''),
    ('(A) is too early, and (B) ...', ''),  # reasoning cut off before it states an answer
])
def test_bbh_option_answer(output: str, letter: str) -> None:
    assert BBHOptionAnswer()(output) == letter


@pytest.mark.parametrize(('output', 'answer'), [
    ('Z = not False = True. So the answer is True.', 'True'),
    ('So the answer is ] ) ].', '] ) ]'),
    ('So the answer is **valid**.', 'valid'),
    ('So the answer is: 24.\nQ: and then', '24'),
    ('no statement here', 'no statement here'),
])
def test_bbh_freeform_answer(output: str, answer: str) -> None:
    assert BBHFreeformAnswer()(output) == answer


# -- configs -------------------------------------------------------------------------------------

def _datasets(config_name: str) -> list[dict[str, Any]]:
    cfg = load_config(config_index.find('datasets', config_name))
    return [ds for key, value in cfg.items() if key.endswith('_datasets') for ds in value]


def _text(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else '\n'.join(message['prompt'] for message in prompt)


@pytest.mark.parametrize('config_name', CATALOG_CONFIGS)
def test_every_catalog_config_builds_prompts_for_its_first_rows(config_name: str) -> None:
    """Each dataset of the config: its first two test rows, every column it names filled in."""
    for dataset_cfg in _datasets(config_name):
        limited = {**dataset_cfg, 'reader_cfg': {**dataset_cfg['reader_cfg'], 'limit': 2}}
        builder, inferencer = prepare(limited)
        assert len(builder.test) == 2, dataset_cfg['abbr']
        for i in range(2):
            ppl = inferencer.mode == 'ppl'
            prompts = ([builder.label_prompt(i, label) for label in builder.labels] if ppl
                       else [builder.generation_prompt(i)])
            text = '\n'.join(_text(p) for p in prompts)
            for column in dataset_cfg['reader_cfg']['input_columns']:
                assert '{' + column + '}' not in text, (dataset_cfg['abbr'], column)
                assert str(builder.test[i][column]) in text, (dataset_cfg['abbr'], column)


def test_summary_groups_of_bbh_and_cmmlu() -> None:
    bbh = _datasets('bbh_gen')
    assert len(bbh) == 27 and all(ds['summary_groups'] == ['bbh'] for ds in bbh)
    cmmlu = _datasets('cmmlu_ppl')
    groups: dict[str, int] = {}
    for ds in cmmlu:
        for group in ds['summary_groups']:
            groups[group] = groups.get(group, 0) + 1
    assert groups == {'cmmlu': 67, 'cmmlu-stem': 17, 'cmmlu-humanities': 13, 'cmmlu-social-science': 22,
                      'cmmlu-other': 15, 'cmmlu-china-specific': 15}  # OpenCompass's groups


def test_list_configs_finds_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.list_configs import main

    assert main(['bbh', 'cmmlu', 'arc']) == 0
    out = capsys.readouterr().out
    for name in ('bbh_gen', 'cmmlu_gen', 'cmmlu_ppl', 'ARC_c_gen', 'ARC_c_ppl', 'ARC_e_gen', 'ARC_e_ppl'):
        assert f' {name} ' in out


# -- one real run --------------------------------------------------------------------------------

@pytest.mark.slow
@requires_shared_catalog
def test_cli_runs_ppl_and_gen_catalog_configs_on_the_real_model(tmp_path: Path) -> None:
    """ARC-c by perplexity on the real data, HellaSwag by perplexity and TriviaQA by generation on
    the samples (list-of-answers exact match), two rows each: the run succeeds and each row's
    verdict follows from its prediction and gold.  ``--debug`` runs the tasks in one process, so
    the model and torch load once (the subprocess runners are tested in tests/runners)."""
    work = tmp_path / 'out'
    result = run_cli('--datasets', 'ARC_c_ppl', 'hellaswag_ppl', 'triviaqa_gen', '--models',
                     'hf_smollm2_135m_instruct', '--limit', '2', '--debug', '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(work)
    results = {p.stem: json.loads(p.read_text()) for p in (run_dir / 'results').glob('*/*.json')}
    assert set(results) == {'ARC-c', 'hellaswag', 'triviaqa'}
    for name, metric in (('ARC-c', 'accuracy'), ('hellaswag', 'accuracy'), ('triviaqa', 'score')):
        details = _lines(next((run_dir / 'results').glob(f'*/{name}.details.jsonl')))
        assert results[name]['num_examples'] == len(details) == 2
        assert results[name][metric] == pytest.approx(100 * sum(d['correct'] for d in details) / 2), name
    arc = _lines(next((run_dir / 'predictions').glob('*/ARC-c.jsonl')))
    arc_gold = [r['answer'] for r in ARCFourChoiceDataset.load('arc', 'ARC-Challenge')['test']][:2]
    assert [r['gold'] for r in arc] == arc_gold
    assert all(r['prediction'] == min(r['scores'], key=r['scores'].get) for r in arc)
    trivia = _lines(next((run_dir / 'results').glob('*/triviaqa.details.jsonl')))
    trivia_gold = [r['answers'] for r in TriviaQADataset.load('triviaqa')['validation']][:2]
    assert [d['gold'] for d in trivia] == trivia_gold


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]
