"""Each dataset loader on the project's samples (data/) and the real benchmarks (../shared/datasets):
row counts, fields and gold answers of specific rows, checked against the files read with the csv
and json modules; then broken inputs (missing file, missing column, corrupt row) and their errors.
Broken inputs are small files written to a temporary data root, never copies of real data."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evalkit.config.errors import ConfigError
from evalkit.datasets import CEvalDataset, GSM8KDataset, MMLUDataset
from evalkit.datasets.reader import read_splits
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, requires_shared_mmlu

DATA = PROJECT_ROOT / 'data'
requires_shared_gsm8k = pytest.mark.skipif(
    not (SHARED_DATASETS / 'gsm8k' / 'test.jsonl').is_file(),
    reason=f'real GSM8K not found at {SHARED_DATASETS}/gsm8k (the shared benchmark folder is absent)')


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return path


# -- C-Eval (the sample in data/ceval; the shared folder has no C-Eval) ----------------------------

def test_ceval_sample_every_subject_matches_its_files() -> None:
    subjects = sorted(p.name[:-len('_val.csv')] for p in (DATA / 'ceval' / 'val').glob('*_val.csv'))
    assert len(subjects) == 52
    for subject in subjects:
        splits = CEvalDataset.load('ceval', subject)
        assert set(splits) == {'dev', 'val'}  # test has no public answers
        for split in ('dev', 'val'):
            with open(DATA / 'ceval' / split / f'{subject}_{split}.csv', encoding='utf-8', newline='') as fh:
                expected = [{k: row[k] for k in ('id', 'question', 'A', 'B', 'C', 'D', 'answer')}
                            for row in csv.DictReader(fh)]
            assert splits[split].to_list() == expected, (subject, split)
        assert (len(splits['dev']), len(splits['val'])) == (5, 3), subject


def test_ceval_sample_rows_and_gold_answers() -> None:
    splits = CEvalDataset.load('ceval', 'computer_network')
    assert splits['val'].column_names == ['id', 'question', 'A', 'B', 'C', 'D', 'answer']  # explanation dropped
    assert splits['val'][0] == {'id': '0', 'question': '子网掩码255.255.255.0对应的前缀长度是？',
                                'A': '/8', 'B': '/16', 'C': '/24', 'D': '/32', 'answer': 'C'}
    assert splits['val']['answer'] == ['C', 'B', 'A']
    assert splits['dev'][0]['answer'] == 'B'


def test_ceval_missing_file_names_where_it_looked(data_root: Path, offline_hub: None) -> None:
    _write(data_root / 'ceval' / 'dev' / 'made_up_dev.csv', 'id,question,A,B,C,D,answer\n')  # val is missing
    with pytest.raises(ConfigError) as error:
        CEvalDataset.load('ceval', 'made_up')
    message = str(error.value)
    assert message.startswith('Dataset ceval/ceval-exam/made_up is not available locally (looked for '
                              'ceval/{dev,val}/made_up_*.csv under the data roots: ' + str(data_root) + ', ')
    assert str(DATA) in message
    assert message.endswith('Put the files there, or point --data-root / EVALKIT_DATA_ROOT at a folder holding them.')


def test_ceval_missing_column_names_the_file_and_column(data_root: Path) -> None:
    header = 'id,question,A,B,C,D\n0,q,a,b,c,d\n'
    _write(data_root / 'ceval' / 'dev' / 'broken_dev.csv', header)
    val = _write(data_root / 'ceval' / 'val' / 'broken_val.csv', header)
    with pytest.raises(ConfigError) as error:
        CEvalDataset.load('ceval', 'broken')
    dev = data_root / 'ceval' / 'dev' / 'broken_dev.csv'
    assert str(error.value) == (f"Data file '{dev}': header lacks column(s) ['answer']; "
                                f"expected at least id, question, A, B, C, D, answer.")
    assert val.is_file()


def test_ceval_short_row_names_file_and_line(data_root: Path) -> None:
    good = 'id,question,A,B,C,D,answer\n0,q,a,b,c,d,A\n'
    _write(data_root / 'ceval' / 'dev' / 'short_dev.csv', good)
    val = _write(data_root / 'ceval' / 'val' / 'short_val.csv', good + '1,q,a,b,c,B\n')
    with pytest.raises(ConfigError) as error:
        CEvalDataset.load('ceval', 'short')
    assert str(error.value) == (f"Data file '{val}', line 3: expected 7 columns, found 6 "
                                f"(id, question, A, B, C, D, answer are needed). Fix or remove that row.")


# -- MMLU (../shared/datasets/mmlu) ------------------------------------------------------------------

@requires_shared_mmlu
def test_mmlu_every_subject_loads_with_the_documented_row_counts() -> None:
    subjects = sorted(p.name[:-len('_test.csv')] for p in (SHARED_DATASETS / 'mmlu' / 'test').glob('*_test.csv'))
    assert len(subjects) == 57
    sizes = {s: {k: len(v) for k, v in MMLUDataset.load('mmlu', s).items()} for s in subjects}
    assert sum(s['test'] for s in sizes.values()) == 14042
    assert {s['dev'] for s in sizes.values()} == {5}
    assert sizes['abstract_algebra']['test'] == 100 and sizes['marketing']['test'] == 234


@requires_shared_mmlu
def test_mmlu_rows_and_gold_answers() -> None:
    splits = MMLUDataset.load('mmlu', 'abstract_algebra')
    test = splits['test']
    assert test.column_names == ['input', 'A', 'B', 'C', 'D', 'target']
    assert test[0] == {'input': 'Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.',
                       'A': '0', 'B': '4', 'C': '2', 'D': '6', 'target': 'B'}
    assert test[1]['target'] == 'C'
    # quoted fields with commas stay one field
    assert test[99]['A'] == 'True, True' and test[99]['target'] == 'C'
    with open(SHARED_DATASETS / 'mmlu' / 'test' / 'abstract_algebra_test.csv', encoding='utf-8', newline='') as fh:
        assert test['target'] == [row[5] for row in csv.reader(fh)]
    assert MMLUDataset.load('mmlu', 'marketing')['test'][0]['target'] == 'B'


def test_mmlu_missing_file_names_where_it_looked(data_root: Path, offline_hub: None) -> None:
    with pytest.raises(ConfigError) as error:
        MMLUDataset.load('mmlu', 'made_up')
    assert str(error.value).startswith('Dataset cais/mmlu/made_up is not available locally (looked for '
                                       'mmlu/{dev,test}/made_up_*.csv under the data roots: ' + str(data_root))
    assert 'could not be loaded from the Hugging Face hub' in str(error.value)


def test_mmlu_missing_column_names_file_and_line(data_root: Path) -> None:
    _write(data_root / 'mmlu' / 'dev' / 'broken_dev.csv', 'q,a,b,c,d,A\n')
    test = _write(data_root / 'mmlu' / 'test' / 'broken_test.csv', 'q,a,b,c,d,A\n"q, two",a,b,c,d\n')
    with pytest.raises(ConfigError) as error:
        MMLUDataset.load('mmlu', 'broken')
    assert str(error.value) == (f"Data file '{test}', line 2: expected 6 columns, found 5 "
                                f"(input, A, B, C, D, target are needed). Fix or remove that row.")


# -- GSM8K (the demo sample in data/ and ../shared/datasets/gsm8k) -----------------------------------

def test_gsm8k_sample_rows_gold_answers_and_solutions() -> None:
    splits = GSM8KDataset.load('demo/gsm8k-sample')
    assert {k: len(v) for k, v in splits.items()} == {'train': 8, 'test': 20}
    test = splits['test']
    assert test.column_names == ['question', 'answer', 'solution']
    with open(DATA / 'demo' / 'gsm8k-sample' / 'test.jsonl', encoding='utf-8') as fh:
        raw = [json.loads(line) for line in fh]
    assert [r['answer'] for r in test] == [r['answer'] for r in raw]
    assert test[0]['question'].startswith('Sara has 4 boxes of crayons')
    assert test[0]['answer'].endswith('#### 86')
    # the few-shot form: calculator annotations removed, ending "The answer is N"
    assert test[0]['solution'] == ('Sara starts with 4*24=96 crayons.\nAfter losing 10 she has 96-10=86 crayons.\n'
                                   'The answer is 86')
    assert test[19]['answer'].endswith('#### 40') and test[19]['solution'].endswith('The answer is 40')


@requires_shared_gsm8k
def test_gsm8k_real_rows_and_gold_answers() -> None:
    splits = GSM8KDataset.load('gsm8k')
    assert {k: len(v) for k, v in splits.items()} == {'train': 7473, 'test': 1319}
    test = splits['test']
    assert test[0]['question'].startswith('Janet’s ducks lay 16 eggs per day.')
    assert test[0]['answer'].endswith('#### 18')
    assert test[0]['solution'] == ('Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n'
                                   'She makes 9 * 2 = $18 every day at the farmer’s market.\nThe answer is 18')
    assert test[1318]['answer'].endswith('#### 14')
    assert '<<' not in ''.join(splits['train']['solution'])


def test_gsm8k_missing_file_names_where_it_looked(data_root: Path, offline_hub: None) -> None:
    _write(data_root / 'nowhere' / 'train.jsonl', '')  # test.jsonl is missing
    with pytest.raises(ConfigError) as error:
        GSM8KDataset.load('nowhere')
    assert str(error.value).startswith('Dataset openai/gsm8k/main is not available locally (looked for '
                                       'nowhere/{train,test}.jsonl under the data roots: ' + str(data_root))


def test_gsm8k_missing_field_names_file_and_line(data_root: Path) -> None:
    _write(data_root / 'broken' / 'train.jsonl', '{"question": "q", "answer": "#### 1"}\n')
    test = _write(data_root / 'broken' / 'test.jsonl', '{"question": "q", "answer": "#### 1"}\n\n{"question": "q"}\n')
    with pytest.raises(ConfigError) as error:
        GSM8KDataset.load('broken')
    assert str(error.value) == f"Data file '{test}', line 3: missing field(s) ['answer']."


def test_gsm8k_corrupt_line_names_file_and_line(data_root: Path) -> None:
    train = _write(data_root / 'torn' / 'train.jsonl', '{"question": "q", "answer": "#### 1"}\n{"question": "q", "ans')
    _write(data_root / 'torn' / 'test.jsonl', '{"question": "q", "answer": "#### 1"}\n')
    with pytest.raises(ConfigError) as error:
        GSM8KDataset.load('torn')
    assert str(error.value).startswith(f"Data file '{train}', line 2: not valid JSON (")
    assert str(error.value).endswith('Fix or remove that line.')


# -- the reader: a dataset config -> (in-context rows, test rows) ----------------------------------

def _ceval_cfg(**reader: object) -> dict:
    return dict(abbr='ceval-computer_network', type='CEvalDataset', path='ceval', name='computer_network',
                reader_cfg=dict(dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                                     train_split='dev', test_split='val'), **reader))


def test_reader_returns_the_configured_splits_and_cuts_the_test_rows_to_the_limit() -> None:
    train, test = read_splits(_ceval_cfg())
    assert (len(train), len(test)) == (5, 3)
    assert [r['answer'] for r in test] == ['C', 'B', 'A']
    _, limited = read_splits(_ceval_cfg(limit=2))
    assert limited == test[:2]
    _, beyond = read_splits(_ceval_cfg(limit=50))
    assert beyond == test


def test_reader_names_a_split_the_data_lacks() -> None:
    with pytest.raises(ConfigError) as error:
        read_splits(_ceval_cfg(test_split='test'))
    assert str(error.value) == ("dataset 'ceval-computer_network': reader_cfg asks for split 'test', but the data "
                                "has dev, val. Set reader_cfg.train_split / test_split.")


def test_reader_names_a_column_the_data_lacks() -> None:
    with pytest.raises(ConfigError) as error:
        read_splits(_ceval_cfg(output_column='label'))
    assert str(error.value) == ("dataset 'ceval-computer_network': reader_cfg names column(s) ['label'] that the "
                                "data lacks; it has id, question, A, B, C, D, answer.")
