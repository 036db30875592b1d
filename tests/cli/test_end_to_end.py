"""The whole pipeline through the real CLI: the demo, the OpenCompass-style one-liner, --limit,
modes, list_configs, and a real MMLU slice, all on the embedded SmolLM2 model in subprocesses."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.config.loading import load_config
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, only_run_dir, requires_shared_mmlu, run_cli

CEVAL_SUBJECTS = sorted(p.name[:-len('_val.csv')] for p in (PROJECT_ROOT / 'data' / 'ceval' / 'val').glob('*.csv'))


def _results(run_dir: Path, model: str) -> dict[str, dict]:
    files = (run_dir / 'results' / model).glob('*.json')
    return {p.stem: json.loads(p.read_text(encoding='utf-8')) for p in files}


def _summary_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / 'summary' / f'summary_{run_dir.name}.csv', encoding='utf-8') as fh:
        return list(csv.DictReader(fh))


def _predictions(run_dir: Path, model: str, dataset: str) -> list[dict]:
    path = run_dir / 'predictions' / model / f'{dataset}.jsonl'
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def test_help_documents_every_flag() -> None:
    result = run_cli('--help')
    assert result.returncode == 0, result.stderr
    for flag in ('--datasets', '--models', '--hf-path', '--hf-type', '--tokenizer-path', '--tokenizer-kwargs',
                 '--model-kwargs', '--max-seq-len', '--max-out-len', '--batch-size', '--num-gpus', '--debug',
                 '--limit', '--work-dir', '--reuse', '--mode', '--dry-run', '--max-num-workers', '--cfg-options'):
        assert flag in result.stdout, flag


def test_list_configs_prints_matching_models_and_datasets() -> None:
    result = subprocess.run([sys.executable, 'tools/list_configs.py', 'smollm', 'ceval'], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name, path in (('hf_smollm2_135m', 'configs/models/smollm2/hf_smollm2_135m.py'),
                       ('hf_smollm2_135m_instruct', 'configs/models/smollm2/hf_smollm2_135m_instruct.py'),
                       ('ceval_gen', 'configs/datasets/ceval/ceval_gen.py'),
                       ('ceval_ppl', 'configs/datasets/ceval/ceval_ppl.py')):
        assert any(name in line and path in line for line in out.splitlines()), (name, out)
    assert 'mmlu' not in out and 'gsm8k' not in out
    missing = subprocess.run([sys.executable, 'tools/list_configs.py', 'no_such_benchmark'], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and 'No config matches no_such_benchmark' in missing.stderr


def test_dry_run_lists_tasks_and_writes_nothing(tmp_path: Path) -> None:
    work = tmp_path / 'out'
    result = run_cli('configs/eval_demo.py', '-w', str(work), '--dry-run')
    assert result.returncode == 0, result.stderr
    assert 'infer:' in result.stdout and 'eval:' in result.stdout
    assert 'smollm2-135m-instruct' in result.stdout
    assert not work.exists()


@pytest.mark.slow
def test_demo_runs_end_to_end_and_prints_the_summary(tmp_path: Path) -> None:
    work = tmp_path / 'out'
    result = run_cli('configs/eval_demo.py', '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(work)
    for sub in ('configs', 'predictions', 'results', 'summary', 'logs'):
        assert (run_dir / sub).is_dir(), sub
    # The dumped config is the run: read_base() building blocks (ceval_datasets...) stay out.
    dumped = load_config(run_dir / 'configs' / f'{run_dir.name}.py')
    assert set(dumped) == {'models', 'datasets', 'infer'}
    assert len(dumped['datasets']) == 53
    results = _results(run_dir, 'smollm2-135m-instruct')
    assert set(results) == {f'ceval-{s}' for s in CEVAL_SUBJECTS} | {'gsm8k-demo'}
    assert len(CEVAL_SUBJECTS) == 52
    assert results['gsm8k-demo']['num_examples'] == 20
    for subject in CEVAL_SUBJECTS:
        res = results[f'ceval-{subject}']
        preds = _predictions(run_dir, 'smollm2-135m-instruct', f'ceval-{subject}')
        assert res['num_examples'] == len(preds) == 3
        assert 0 <= res['accuracy'] <= 100
    rows = {r['dataset']: r for r in _summary_rows(run_dir) if r['metric'] == 'naive_average'}
    assert {'ceval', 'ceval-stem', 'ceval-social-science', 'ceval-humanities', 'ceval-other'} <= set(rows)
    # The printed table is the written one.
    table = (run_dir / 'summary' / f'summary_{run_dir.name}.txt').read_text(encoding='utf-8')
    assert table.strip() in result.stdout
    assert 'gsm8k-demo' in table and 'weighted_average' in table
    assert (run_dir / 'summary' / f'summary_{run_dir.name}.md').read_text(encoding='utf-8').startswith('| dataset')


@pytest.mark.slow
def test_one_liner_with_opencompass_syntax_on_the_ceval_sample(tmp_path: Path) -> None:
    prepared = subprocess.run([sys.executable, 'tools/default_model.py'], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=600)
    assert prepared.returncode == 0, prepared.stderr
    model_dir = prepared.stdout.strip().splitlines()[-1]
    assert (Path(model_dir) / 'config.json').is_file()
    work = tmp_path / 'out'
    result = run_cli(
        '--datasets', 'ceval_gen', '--hf-path', model_dir, '--tokenizer-path', model_dir,
        '--tokenizer-kwargs', "padding_side='left'", "truncation='left'", 'trust_remote_code=True',
        '--model-kwargs', 'trust_remote_code=True', "device_map='auto'",
        '--max-seq-len', '2048', '--max-out-len', '16', '--batch-size', '4', '--num-gpus', '1', '--debug',
        '--limit', '2', '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(work)
    model = Path(model_dir).name
    dumped = load_config(run_dir / 'configs' / f'{run_dir.name}.py')
    (model_cfg,) = dumped['models']
    assert model_cfg['tokenizer_kwargs'] == {'padding_side': 'left', 'truncation': 'left', 'trust_remote_code': True}
    assert model_cfg['model_kwargs'] == {'trust_remote_code': True, 'device_map': 'auto'}
    assert (model_cfg['max_seq_len'], model_cfg['max_out_len'], model_cfg['batch_size']) == (2048, 16, 4)
    assert model_cfg['mode'] == 'chat' and model_cfg['run_cfg'] == {'num_gpus': 1}
    results = _results(run_dir, model)
    assert set(results) == {f'ceval-{s}' for s in CEVAL_SUBJECTS}
    assert {r['num_examples'] for r in results.values()} == {2}  # --limit 2
    # --debug runs tasks in this process: no task subprocess logs.
    assert not list((run_dir / 'logs').rglob('*.log'))
    assert 'ceval' in result.stdout and 'naive_average' in result.stdout


@pytest.mark.slow
@requires_shared_mmlu
def test_real_mmlu_slice_ppl_and_gen_then_modes(tmp_path: Path) -> None:
    """Two real MMLU subjects x 10 questions, 5-shot, PPL and generation; then infer / eval / viz
    as separate steps on the same run folder."""
    work = tmp_path / 'out'
    config = 'tests/configs/mmlu_slice.py'
    model = 'smollm2-135m-hf'
    infer = run_cli(config, '-w', str(work), '-m', 'infer', '--cfg-options', 'models.0.batch_size=4')
    assert infer.returncode == 0, infer.stderr[-3000:]
    run_dir = only_run_dir(work)
    assert not _results(run_dir, model), 'infer mode must not evaluate'
    dumped = load_config(run_dir / 'configs' / f'{run_dir.name}.py')
    assert dumped['models'][0]['batch_size'] == 4  # --cfg-options reached the run
    evaluated = run_cli(config, '-w', str(work), '-r', 'latest', '-m', 'eval')
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    results = _results(run_dir, model)
    assert set(results) == {f'mmlu-{s}-{k}' for s in ('abstract_algebra', 'marketing') for k in ('ppl', 'gen')}
    for subject in ('abstract_algebra', 'marketing'):
        with open(SHARED_DATASETS / 'mmlu' / 'test' / f'{subject}_test.csv', encoding='utf-8') as fh:
            gold = [row[5] for row in csv.reader(fh)][:10]
        ppl = _predictions(run_dir, model, f'mmlu-{subject}-ppl')
        assert [r['gold'] for r in ppl] == gold
        for record in ppl:  # the lowest perplexity wins
            assert record['prediction'] == min(record['scores'], key=record['scores'].get)
        assert 'Answer:' in ppl[0]['prompt'] and ppl[0]['prompt'].count('Answer:') == 6  # 5 shots + the question
        accuracy = 100 * sum(r['prediction'] == r['gold'] for r in ppl) / 10
        assert results[f'mmlu-{subject}-ppl']['accuracy'] == pytest.approx(accuracy)
        assert results[f'mmlu-{subject}-ppl']['mode'] == 'ppl'
        assert results[f'mmlu-{subject}-gen']['mode'] == 'gen'
        assert results[f'mmlu-{subject}-gen']['num_examples'] == 10
    viz = run_cli(config, '-w', str(work), '-r', 'latest', '-m', 'viz')
    assert viz.returncode == 0, viz.stderr[-3000:]
    assert 'mmlu-marketing-ppl' in viz.stdout
