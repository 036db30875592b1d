"""No secret reaches any file a run writes, locally or through Slurm.

Distinct secrets are planted through ``ENV:`` references in every config section that takes
credentials (the real model's tokenizer and model kwargs, an API-style model's key, a judge-style
evaluator's key and Authorization header) and as plain environment variables nobody references
(``HF_TOKEN``...).  After a real evaluation, every file under the run folder (dumped config, task
specs, logs, predictions, results, summaries, Slurm batch scripts and job output) and, for Slurm,
the slurmd spool and daemon logs are searched for each secret: there must be no hit.  The
components prove they received the values by recording digests of them.

Not searched: slurmctld's StateSaveLocation, where Slurm itself keeps each job's exported
environment (mode 0600, owner slurm) until the job record expires; that is how a job inherits
the variables its ``ENV:`` references name, and no file evalkit writes.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.fake_model import text_digest
from tests.runners.conftest import slurm_partition  # noqa: F401  (the real-cluster fixture)

SLURM_LOCAL_DIR = Path(os.environ.get('SLURM_LOCAL_DIR', '/tmp/slurm-local'))
KEYED_EVALUATOR = 'tests.reliability.keyed_components.KeyedEvaluator'
REFERENCED = ('EK_TOKENIZER_TOKEN', 'EK_MODEL_TOKEN', 'EK_FAKE_API_KEY', 'EK_JUDGE_KEY', 'EK_JUDGE_AUTH')
UNREFERENCED = ('HF_TOKEN', 'OPENAI_API_KEY', 'EK_UNREFERENCED_SECRET')

REAL_MODEL = dict(type='HuggingFaceCausalLM', abbr='smollm2', path='embedded:smollm2-135m-instruct', mode='base',
                  batch_size=8, tokenizer_kwargs=dict(token='ENV:EK_TOKENIZER_TOKEN'),
                  model_kwargs=dict(token='ENV:EK_MODEL_TOKEN'))


def _secrets() -> dict[str, str]:
    """A distinct, never-before-seen value per variable."""
    return {name: f'sk-{name.lower()}-{uuid.uuid4().hex}' for name in (*REFERENCED, *UNREFERENCED)}


def _config(tmp_path: Path, models: list[dict]) -> Path:
    trace = tmp_path / 'trace.jsonl'
    fake = dict(type='tests.fake_model.FakeModel', abbr='fake', api_key='ENV:EK_FAKE_API_KEY', trace=str(trace),
                run_cfg=dict(num_gpus=0))
    evaluator = dict(type=KEYED_EVALUATOR, api_key='ENV:EK_JUDGE_KEY', headers=dict(Authorization='ENV:EK_JUDGE_AUTH'))
    dataset = dict(
        abbr='ceval-law', type='CEvalDataset', path='ceval', name='law',
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='val'),
        infer_cfg=dict(prompt_template=dict(type='PromptTemplate', template={
            opt: f'{{question}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n答案：{opt}' for opt in 'ABCD'}),
            retriever=dict(type='ZeroRetriever'), inferencer=dict(type='PPLInferencer')),
        eval_cfg=dict(evaluator=evaluator))
    path = tmp_path / 'keyed.py'
    path.write_text(f'models = {[*models, fake]!r}\ndatasets = [{dataset!r}]\n', encoding='utf-8')
    return path


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.is_dir() for p in root.rglob('*') if p.is_file() and not p.is_symlink()]


def _assert_no_secret_written(secrets: dict[str, str], files: list[Path], output: str) -> None:
    assert files
    for name, value in secrets.items():
        assert value not in output, f'{name} printed'
        leaks = [str(p) for p in files if value.encode() in p.read_bytes()]
        assert not leaks, f'secret of {name} written to {leaks}'


def _assert_components_got_the_values(secrets: dict[str, str], run: Path, trace: Path, models: list[str]) -> None:
    traced = {json.loads(line)['api_key_hash'] for line in trace.read_text(encoding='utf-8').splitlines()}
    assert traced == {text_digest(secrets['EK_FAKE_API_KEY'])}
    for model in models:
        result = json.loads((run / 'results' / model / 'ceval-law.json').read_text(encoding='utf-8'))
        assert result['api_key_digest'] == text_digest(secrets['EK_JUDGE_KEY'])
        assert result['header_digest_Authorization'] == text_digest(secrets['EK_JUDGE_AUTH'])


def _assert_references_kept(run: Path) -> None:
    """What is written names the variables: the dumped config and every task spec keep ``ENV:NAME``."""
    dumped = next((run / 'configs').glob('*.py')).read_text(encoding='utf-8')
    specs = [p.read_text(encoding='utf-8') for p in (run / 'configs' / 'tasks').rglob('*.json')]
    assert specs
    assert 'ENV:EK_FAKE_API_KEY' in dumped and 'ENV:EK_JUDGE_AUTH' in dumped
    assert all('ENV:EK_FAKE_API_KEY' in s or 'ENV:EK_MODEL_TOKEN' in s for s in specs)


def _only_run(work: Path) -> Path:
    runs = [p for p in work.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.slow
def test_local_run_writes_no_secret(tmp_path: Path) -> None:
    secrets = _secrets()
    config, work = _config(tmp_path, [REAL_MODEL]), tmp_path / 'out'
    result = run_cli(str(config), '-w', str(work), '--limit', '2', env=cli_env(**secrets), timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    run = _only_run(work)
    _assert_components_got_the_values(secrets, run, tmp_path / 'trace.jsonl', ['smollm2', 'fake'])
    _assert_references_kept(run)
    _assert_no_secret_written(secrets, _files_under(tmp_path), output)


@pytest.mark.slurm
def test_slurm_run_writes_no_secret(tmp_path: Path, slurm_partition: str) -> None:  # noqa: F811
    secrets = _secrets()
    config, work = _config(tmp_path, []), tmp_path / 'out'
    result = run_cli(str(config), '-w', str(work), '--limit', '2', '--slurm', '-p', slurm_partition,
                     env=cli_env(**secrets), timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    run = _only_run(work)
    _assert_components_got_the_values(secrets, run, tmp_path / 'trace.jsonl', ['fake'])
    _assert_references_kept(run)
    # slurmd's spool (batch scripts of running jobs) and the daemons' logs; job output is in the run folder.
    spool = [SLURM_LOCAL_DIR / 'state' / 'd', SLURM_LOCAL_DIR / 'log']
    _assert_no_secret_written(secrets, _files_under(tmp_path, *spool), output)
