"""HFDataset: a benchmark in its upstream file layout read through ``datasets.load_dataset`` from a config
alone (parquet and JSON lines written with ``datasets``, CSV written with the csv module, in a temporary
data root), ``load_kwargs`` checked against the loader before any work, the files hashed into the reuse
fingerprint, and the hub error when there is no local copy and no network."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset

from evalkit.config.errors import ConfigError
from evalkit.config.validation import validate_run_config
from evalkit.datasets import HFDataset
from evalkit.datasets.reader import read_splits
from evalkit.tasks.fingerprint import compute_fingerprint, dataset_version

DEV = [{'question': 'What is 1 + 1?', 'choices': 'A. 2 B. 3', 'label': 'A', 'year': 2001}]
TEST = [{'question': 'What is 2 + 3?', 'choices': 'A. 4 B. 5', 'label': 'B', 'year': 2002},
        {'question': 'What is 3 + 3?', 'choices': 'A. 6 B. 7', 'label': 'A', 'year': 2003}]


def _dataset_cfg(path: str, data_files: Any, **extra: Any) -> dict[str, Any]:
    return {
        'abbr': 'bench', 'type': 'HFDataset', 'path': path, 'load_kwargs': {'data_files': data_files, **extra},
        'reader_cfg': {'input_columns': ['question', 'choices'], 'output_column': 'label',
                       'train_split': 'dev', 'test_split': 'test'},
        'infer_cfg': {'prompt_template': {'type': 'PromptTemplate', 'template': '{question}\n{choices}\nAnswer: '},
                      'retriever': {'type': 'ZeroRetriever'}, 'inferencer': {'type': 'GenInferencer'}},
        'eval_cfg': {'evaluator': {'type': 'AccEvaluator'}},
    }


def _validate(dataset_cfg: dict[str, Any]) -> None:
    validate_run_config({'models': [{'type': 'HuggingFaceCausalLM', 'abbr': 'm',
                                     'path': 'embedded:smollm2-135m-instruct'}], 'datasets': [dataset_cfg]}, 'cfg.py')


def _write_split(root: Path, relative: str, rows: list[dict[str, Any]]) -> None:
    file = root / relative
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.suffix == '.parquet':
        Dataset.from_list(rows).to_parquet(str(file))
    elif file.suffix == '.jsonl':
        Dataset.from_list(rows).to_json(str(file), lines=True)
    else:
        with open(file, 'w', encoding='utf-8', newline='') as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


@pytest.mark.parametrize('fmt, suffix', [('parquet', 'parquet'), ('json', 'jsonl')])
def test_local_files_in_upstream_layout_load_by_split(data_root: Path, fmt: str, suffix: str) -> None:
    files = {'dev': f'bench/dev.{suffix}', 'test': f'bench/test.{suffix}'}
    for split, rows in (('dev', DEV), ('test', TEST)):
        _write_split(data_root, files[split], rows)
    cfg = _dataset_cfg(fmt, files)
    _validate(cfg)
    train, test = read_splits(cfg)
    assert (train, test) == (DEV, TEST)  # upstream names and types kept (year stays a number)
    assert set(compute_fingerprint({}, cfg).components['data']) == set(files.values())


def test_local_csv_files_and_a_split_of_several_files(data_root: Path) -> None:
    _write_split(data_root, 'bench/dev.csv', DEV)
    _write_split(data_root, 'bench/test-0.csv', TEST[:1])
    _write_split(data_root, 'bench/test-1.csv', TEST[1:])
    cfg = _dataset_cfg('csv', {'dev': 'bench/dev.csv', 'test': ['bench/test-0.csv', 'bench/test-1.csv']})
    _validate(cfg)
    _, test = read_splits(cfg)
    assert test == TEST
    assert set(compute_fingerprint({}, cfg).components['data']) == {
        'bench/dev.csv', 'bench/test-0.csv', 'bench/test-1.csv'}
    only_first = _dataset_cfg('csv', {'dev': 'bench/dev.csv', 'test': 'bench/test-0.csv'})
    assert dataset_version(only_first) != dataset_version(cfg)  # other files, other numbers: another version


def test_bare_file_is_the_train_split(data_root: Path) -> None:
    _write_split(data_root, 'bench/all.parquet', TEST)
    assert HFDataset.load('parquet', data_files='bench/all.parquet')['train'].to_list() == TEST


def test_changing_a_local_file_changes_the_fingerprint(data_root: Path) -> None:
    files = {'dev': 'bench/dev.parquet', 'test': 'bench/test.parquet'}
    _write_split(data_root, files['dev'], DEV)
    _write_split(data_root, files['test'], TEST)
    cfg = _dataset_cfg('parquet', files)
    before = compute_fingerprint({}, cfg)
    _write_split(data_root, files['test'], [{**TEST[0], 'label': 'A'}, TEST[1]])
    after = compute_fingerprint({}, cfg)
    assert after.digest != before.digest
    assert after.components['data']['bench/test.parquet'] != before.components['data']['bench/test.parquet']
    assert after.components['data']['bench/dev.parquet'] == before.components['data']['bench/dev.parquet']


@pytest.mark.parametrize('change, message', [
    ({'load_kwargs': {'data_file': 'x.parquet'}},
     r"cfg.py: datasets\[0\] \(bench\).load_kwargs: unknown key 'data_file' for HFDataset.load. "
     r"Did you mean 'data_files'\?"),
    ({'load_kwargs': {}}, r"path 'parquet' reads local files; name them with load_kwargs=dict\(data_files="),
    ({'load_kwargs': {'data_files': {'test': 3}}}, r'load_kwargs.data_files: expected a file, a list of files'),
    ({'load_kwargs': {'data_files': 'bench/missing.parquet'}},
     r'load_kwargs.data_files: bench/missing.parquet not found together under any data root'),
    ({'load_kwargs': {'data_files': 'bench/dev.parquet', 'revision': 'main'}},
     r'load_kwargs.revision: only a hub dataset has revisions'),
    ({'type': 'MMLUDataset', 'load_kwargs': {'data_files': 'x'}},
     r"unknown key 'data_files' for MMLUDataset.load. It takes none: remove load_kwargs."),
    ({'load_kwargs': ['bench/dev.parquet']}, r'load_kwargs: expected a dict of keyword arguments'),
])
def test_load_kwargs_are_checked_before_any_work(data_root: Path, change: dict[str, Any], message: str) -> None:
    _write_split(data_root, 'bench/dev.parquet', DEV)
    with pytest.raises(ConfigError, match=message):
        _validate({**_dataset_cfg('parquet', 'bench/dev.parquet'), **change})


def test_hub_dataset_without_a_local_copy_offline_says_what_to_do(offline_hub: None) -> None:
    cfg = {**_dataset_cfg('evalkit-tests/no-such-benchmark', None), 'load_kwargs': {'revision': 'v1'}}
    _validate(cfg)  # a hub id needs no local files
    assert compute_fingerprint({}, cfg).components['data'] == {}
    with pytest.raises(ConfigError, match=r'Dataset evalkit-tests/no-such-benchmark is not available locally .* could '
                                          r'not be loaded from the Hugging Face hub'):
        read_splits(cfg)
