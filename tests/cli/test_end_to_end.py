"""The whole pipeline through the real CLI: the demo, the OpenCompass-style one-liner, --limit,
modes, list_configs, and a real MMLU slice, all on the embedded SmolLM2 model in subprocesses.

The numbers a run reports are checked against computations that do not go through evalkit:
gold answers read from the data files with csv/json, greedy generations and OpenCompass-style
perplexities recomputed with plain transformers on the prompts the run recorded, per-row verdicts
in the details files, accuracies and group averages recomputed from those."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from evalkit.config.loading import load_config
from evalkit.openicl import FirstOption, LastNumber
from tests.benchmarks.test_compare_peers_report import benchmark_script
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, only_run_dir, requires_shared_mmlu, run_cli

CEVAL_SUBJECTS = sorted(p.name[:-len('_val.csv')] for p in (PROJECT_ROOT / 'data' / 'ceval' / 'val').glob('*.csv'))
DEMO_MODEL = 'smollm2-135m-instruct'


class ReferenceModel:
    """SmolLM2 (float32) through plain transformers, one prompt at a time: what evalkit's engines
    (shared prefixes, packed batches, continuous batching) must reproduce."""

    def __init__(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from evalkit.models.embedded import resolve_model_path

        path = resolve_model_path('embedded:smollm2-135m-instruct')
        torch.set_num_threads(1)  # as in tests/models: on a shared machine two threads stall each other
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()

    def greedy(self, chat_text: str, max_new_tokens: int, stop: str | None = None) -> str:
        """transformers' greedy ``generate`` on an already rendered chat prompt, cut at ``stop``."""
        ids = self.tokenizer(chat_text, add_special_tokens=False, return_tensors='pt').input_ids
        extra = {'stop_strings': [stop], 'tokenizer': self.tokenizer} if stop else {}
        with self.torch.no_grad():
            out = self.model.generate(ids, attention_mask=self.torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                      do_sample=False, pad_token_id=self.tokenizer.eos_token_id, **extra)
        text = self.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        return text.split(stop)[0] if stop else text

    def opencompass_ppl(self, text: str) -> float:
        """OpenCompass's ``get_ppl`` for one base-model prompt: summed NLL of every token after the
        first, divided by the prompt's token count (pad tokens left out of both)."""
        ids = self.tokenizer(text, return_tensors='pt').input_ids[0]
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with self.torch.no_grad():
            logits = self.model(ids[None]).logits[0, :-1]
        nll = self.torch.nn.functional.cross_entropy(logits, ids[1:], reduction='none')
        return float(nll[ids[1:] != pad].double().sum() / (ids != pad).sum())


@pytest.fixture(scope='module')
def reference_model() -> ReferenceModel:
    return ReferenceModel()


def _results(run_dir: Path, model: str) -> dict[str, dict]:
    files = (run_dir / 'results' / model).glob('*.json')
    return {p.stem: json.loads(p.read_text(encoding='utf-8')) for p in files}


def _summary_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / 'summary' / f'summary_{run_dir.name}.csv', encoding='utf-8') as fh:
        return list(csv.DictReader(fh))


def _predictions(run_dir: Path, model: str, dataset: str) -> list[dict]:
    """The records of a predictions file by row index (the file is in the order rows were answered)."""
    path = run_dir / 'predictions' / model / f'{dataset}.jsonl'
    return sorted((json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()),
                  key=lambda r: r['index'])


def _details(run_dir: Path, model: str, dataset: str) -> list[dict]:
    path = run_dir / 'results' / model / f'{dataset}.details.jsonl'
    return [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]


def _ceval_gold(subject: str) -> list[str]:
    with open(PROJECT_ROOT / 'data' / 'ceval' / 'val' / f'{subject}_val.csv', encoding='utf-8', newline='') as fh:
        return [row['answer'] for row in csv.DictReader(fh)]


def _assert_scored_from_predictions(run_dir: Path, model: str, dataset: str, result: dict[str, Any],
                                    verdicts: list[bool]) -> None:
    """The details file has one row per prediction, in order, with the verdict computed here, and the
    reported accuracy is exactly the share of correct rows."""
    details = _details(run_dir, model, dataset)
    assert [(d['index'], d['correct']) for d in details] == list(enumerate(verdicts)), dataset
    assert result['num_examples'] == len(verdicts), dataset
    assert result['accuracy'] == pytest.approx(100 * sum(verdicts) / len(verdicts)), dataset


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
def test_demo_runs_end_to_end_and_prints_the_summary(tmp_path: Path, reference_model: ReferenceModel) -> None:
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
    _check_demo_scores(run_dir, dumped['datasets'], reference_model)
    # The printed table is the written one.
    table = (run_dir / 'summary' / f'summary_{run_dir.name}.txt').read_text(encoding='utf-8')
    assert table.strip() in result.stdout
    assert 'gsm8k-demo' in table and 'weighted_average' in table
    assert (run_dir / 'summary' / f'summary_{run_dir.name}.md').read_text(encoding='utf-8').startswith('| dataset')


def _check_demo_scores(run_dir: Path, datasets: list[dict], reference_model: ReferenceModel) -> None:
    """Every number of the demo's results and summary, recomputed from the data files, the recorded
    predictions and (for a sample of them) transformers' own greedy decoding."""
    results = _results(run_dir, DEMO_MODEL)
    assert set(results) == {f'ceval-{s}' for s in CEVAL_SUBJECTS} | {'gsm8k-demo'}
    assert len(CEVAL_SUBJECTS) == 52
    accuracy = {}
    for subject in CEVAL_SUBJECTS:
        abbr = f'ceval-{subject}'
        preds = _predictions(run_dir, DEMO_MODEL, abbr)
        assert [r['index'] for r in preds] == [0, 1, 2]  # each row once
        assert [r['gold'] for r in preds] == _ceval_gold(subject)
        verdicts = [FirstOption()(r['prediction']) == r['gold'] for r in preds]
        _assert_scored_from_predictions(run_dir, DEMO_MODEL, abbr, results[abbr], verdicts)
        accuracy[abbr] = 100 * sum(verdicts) / 3
    # The model's answers themselves: transformers' greedy decoding of recorded prompts (one C-Eval row
    # and one GSM8K row; tests/models compares the engines with transformers at length).
    record = _predictions(run_dir, DEMO_MODEL, 'ceval-computer_network')[1]
    assert record['prompt'].count('答案：') == 6  # 5 shots + the question, in the chat template
    assert record['prediction'] == reference_model.greedy(record['prompt'], max_new_tokens=16)
    gsm8k = _predictions(run_dir, DEMO_MODEL, 'gsm8k-demo')
    with open(PROJECT_ROOT / 'data' / 'demo' / 'gsm8k-sample' / 'test.jsonl', encoding='utf-8') as fh:
        gsm8k_gold = [json.loads(line)['answer'].split('####')[-1].strip().replace(',', '') for line in fh]
    assert len(gsm8k) == len(gsm8k_gold) == 20
    verdicts = [LastNumber(stop_at='Question:')(r['prediction']) == gold for r, gold in zip(gsm8k, gsm8k_gold)]
    _assert_scored_from_predictions(run_dir, DEMO_MODEL, 'gsm8k-demo', results['gsm8k-demo'], verdicts)
    accuracy['gsm8k-demo'] = 100 * sum(verdicts) / 20
    shortest = min(gsm8k, key=lambda r: len(r['prediction']))  # cheapest to regenerate; it stopped early
    assert shortest['prediction'] == reference_model.greedy(shortest['prompt'], max_new_tokens=256, stop='Question:')
    # Group rows: every subset has 3 rows, so plain and weighted averages are both the mean of accuracies.
    summary = {(r['dataset'], r['metric']): r[DEMO_MODEL] for r in _summary_rows(run_dir)}
    members: dict[str, list[str]] = {}
    for ds in datasets:
        for group in ds.get('summary_groups') or []:
            members.setdefault(group, []).append(ds['abbr'])
    assert sorted(members) == ['ceval', 'ceval-humanities', 'ceval-other', 'ceval-social-science', 'ceval-stem']
    assert len(members['ceval']) == 52
    for group, subsets in members.items():
        for kind in ('naive_average', 'weighted_average'):
            assert float(summary[(group, kind)]) == pytest.approx(mean(accuracy[s] for s in subsets), abs=0.005)
    for abbr, value in accuracy.items():  # every dataset's own row, gsm8k-demo included
        assert float(summary[(abbr, 'accuracy')]) == pytest.approx(value, abs=0.005)


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATASETS / 'gsm8k' / 'test.jsonl').is_file(),
                    reason=f'no GSM8K data under {SHARED_DATASETS}')
def test_one_liner_with_opencompass_syntax(tmp_path: Path) -> None:
    """The one-liner OpenCompass users type, every flag of it, on two real GSM8K questions (the demo test
    covers all 52 C-Eval subjects; their 5-shot prefills made this test cost two minutes)."""
    prepared = subprocess.run([sys.executable, 'tools/default_model.py'], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=600)
    assert prepared.returncode == 0, prepared.stderr
    model_dir = prepared.stdout.strip().splitlines()[-1]
    assert (Path(model_dir) / 'config.json').is_file()
    work = tmp_path / 'out'
    result = run_cli(
        '--datasets', 'gsm8k_gen', '--hf-path', model_dir, '--tokenizer-path', model_dir,
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
    assert set(results) == {'gsm8k'}
    with open(SHARED_DATASETS / 'gsm8k' / 'test.jsonl', encoding='utf-8') as fh:
        gold = [json.loads(line)['answer'].split('####')[-1].strip().replace(',', '') for line in fh][:2]
    preds = _predictions(run_dir, model, 'gsm8k')
    assert [r['index'] for r in preds] == [0, 1]
    assert all(len(r['prediction']) > 0 for r in preds)
    verdicts = [LastNumber(stop_at='Question:')(r['prediction']) == g for r, g in zip(preds, gold)]
    _assert_scored_from_predictions(run_dir, model, 'gsm8k', results['gsm8k'], verdicts)
    # --debug runs tasks in this process: no task subprocess logs.
    assert not list((run_dir / 'logs').rglob('*.log'))
    assert 'gsm8k' in result.stdout and 'accuracy' in result.stdout


@pytest.mark.slow
@requires_shared_mmlu
def test_real_mmlu_slice_ppl_and_gen_then_modes(tmp_path: Path, reference_model: ReferenceModel) -> None:
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
    # The task logged its scoring work, which benchmarks/mmlu_full.py prices the ceiling by.
    work_done = benchmark_script('mmlu_full').scoring_work(run_dir)
    assert 0 < work_done['scored_positions'] <= work_done['decoder_tokens']
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
        # The scores themselves, recomputed one prompt at a time (each label's prompt differs only in
        # its last letter; the record keeps the winner's).
        first = ppl[0]
        assert first['prompt'].endswith(f"Answer: {first['prediction']}")
        for label, score in first['scores'].items():
            assert score == pytest.approx(reference_model.opencompass_ppl(first['prompt'][:-1] + label), abs=1e-4)
        _assert_scored_from_predictions(run_dir, model, f'mmlu-{subject}-ppl', results[f'mmlu-{subject}-ppl'],
                                        [r['prediction'] == r['gold'] for r in ppl])
        assert results[f'mmlu-{subject}-ppl']['mode'] == 'ppl'
        gen = _predictions(run_dir, model, f'mmlu-{subject}-gen')
        assert [r['gold'] for r in gen] == gold
        _assert_scored_from_predictions(run_dir, model, f'mmlu-{subject}-gen', results[f'mmlu-{subject}-gen'],
                                        [FirstOption()(r['prediction']) == r['gold'] for r in gen])
        assert results[f'mmlu-{subject}-gen']['mode'] == 'gen'
        assert results[f'mmlu-{subject}-gen']['num_examples'] == 10
    viz = run_cli(config, '-w', str(work), '-r', 'latest', '-m', 'viz')
    assert viz.returncode == 0, viz.stderr[-3000:]
    assert 'mmlu-marketing-ppl' in viz.stdout
