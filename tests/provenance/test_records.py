"""Provenance records: redacted command lines, reasons for re-running, and summaries that keep the CSV stable."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from evalkit.atomic import write_json_atomic
from evalkit.outputs import RunDir
from evalkit.provenance import result_provenance
from evalkit.provenance.invocation import COMMAND_ENV, STARTED_ENV, announce_run, redact_argv, run_command
from evalkit.summarizers.default import DefaultSummarizer
from evalkit.tasks.fingerprint import Fingerprint, rerun_reason

CEVAL = [dict(abbr=f'ceval-{n}', type='CEvalDataset', path='ceval', name=n,
              reader_cfg=dict(input_columns=['question'], output_column='answer'),
              infer_cfg=dict(inferencer=dict(type='PPLInferencer'),
                             retriever=dict(type='ZeroRetriever', seed=7))) for n in ('law', 'logic')]
MODEL = dict(type='HuggingFaceCausalLM', abbr='smollm2', path='embedded:smollm2-135m-instruct')


def test_command_line_secrets_are_redacted_but_env_references_kept() -> None:
    argv = ['run.py', '--hf-path', 'org/model', '--model-kwargs', 'token=hf_abc', 'padding_side=left',
            '--cfg-options', 'models.0.api_key=sk-123', 'models.1.key=ENV:OPENAI_KEY', '--api-key', 'sk-456',
            '--hf-token=hf_def', '-w', 'out']
    assert redact_argv(argv) == [
        'run.py', '--hf-path', 'org/model', '--model-kwargs', 'token=***redacted***', 'padding_side=left',
        '--cfg-options', 'models.0.api_key=***redacted***', 'models.1.key=ENV:OPENAI_KEY', '--api-key',
        '***redacted***', '--hf-token=***redacted***', '-w', 'out']


def test_the_run_command_reaches_task_processes_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (COMMAND_ENV, STARTED_ENV):
        monkeypatch.setenv(name, '')  # restored (removed) after the test, so no other test sees this run
    announce_run(['cfg.py', '--cfg-options', 'models.0.password=hunter2'])
    assert json.loads(os.environ[COMMAND_ENV]) == ['run.py', 'cfg.py', '--cfg-options',
                                                   'models.0.password=***redacted***']
    assert run_command() == ['run.py', 'cfg.py', '--cfg-options', 'models.0.password=***redacted***']


def test_reasons_name_what_changed_and_old_metadata_stays_readable() -> None:
    old = {'model_config': 'a', 'dataset_config': 'b', 'evalkit': '0.1.0', 'engine': 1, 'torch': '2.13.0',
           'transformers': '5.24.0', 'model': {'config.json': 'x', 'model.safetensors': 'y'},
           'data': {'ceval/val/law_val.csv': 'd1', 'ceval/dev/law_dev.csv': 'd2'}}
    assert rerun_reason(old, Fingerprint(dict(old))) == 'made under another fingerprint'
    assert rerun_reason(old, Fingerprint({**old, 'engine': 2})) == 'engine version changed 1 -> 2'
    new = {**old, 'dataset_config': 'c', 'model': {'config.json': 'x', 'model.safetensors': 'z'},
           'data': {'ceval/val/law_val.csv': 'd3', 'ceval/dev/law_dev.csv': 'd2', 'ceval/extra.csv': 'e'}}
    assert rerun_reason(old, Fingerprint(new)) == (
        'dataset config changed (reader, prompt, retriever or inferencer); model weights changed '
        '(model.safetensors); data file added: ceval/extra.csv; data file changed: ceval/val/law_val.csv')
    assert rerun_reason(None, Fingerprint(new)) == 'made by an older evalkit that did not record what shaped them'


def test_summary_records_provenance_and_keeps_its_csv_byte_identical(tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path / '20260101_000000')
    for i, ds in enumerate(CEVAL):
        write_json_atomic(run_dir.results('smollm2', ds['abbr']),
                          {'accuracy': 50.0 + i, 'num_examples': 3, 'version': 'v', 'mode': 'ppl',
                           'provenance': result_provenance(MODEL, ds, prediction_fingerprint=f'fp{i}')})
    law = json.loads(run_dir.results('smollm2', 'ceval-law').read_text())['provenance']
    assert law['model']['path'] == 'embedded:smollm2-135m-instruct'
    assert Path(law['model']['local_folder'], 'config.json').is_file()
    assert len(law['model']['identity']) == 16
    assert set(law['data_files']) == {str(Path('data/ceval', split, f'law_{split}.csv').resolve())
                                      for split in ('dev', 'val')}
    assert law['seeds'] == {'infer_cfg.retriever.seed': 7}
    assert law['machine']['cores'] == os.cpu_count() and law['evalkit'] and law['torch'] and law['datasets']

    summarizer = DefaultSummarizer()
    summarizer.summarize(run_dir, ['smollm2'], CEVAL)
    csv_first = run_dir.summary('csv').read_bytes()
    time.sleep(1.1)  # a later second: times in the record differ, the CSV must not
    summarizer.summarize(run_dir, ['smollm2'], CEVAL)
    assert run_dir.summary('csv').read_bytes() == csv_first
    record = json.loads((run_dir.root / 'summary' / 'provenance.json').read_text())
    assert record['models']['smollm2'] == law['model']
    assert record['data']['ceval-logic']['data_files'] != law['data_files']
    text = run_dir.summary('txt').read_text()
    assert f"model smollm2: embedded:smollm2-135m-instruct (identity {law['model']['identity']})" in text
    assert 'Provenance (full record: provenance.json):' in run_dir.summary('md').read_text()
