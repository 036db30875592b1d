"""A corpus of bad inputs: each gets one clear error (the key part of its text checked) and its exit code,
through the real CLI, before any model loads.

Every case edits the self-contained test config (``tests/configs/tiny_ceval_ppl.py``) or the command
line; an edit that no longer applies fails the test rather than silently testing a good config.
Exit codes: 2 for a bad config or command line, which is reported before any task starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_cli
from tests.fake_model import fake_config

TINY = (PROJECT_ROOT / 'tests' / 'configs' / 'tiny_ceval_ppl.py').read_text(encoding='utf-8')
MODEL_OPTIONS = "mode='base', batch_size=8"
CEVAL_HEADER = 'id,question,A,B,C,D,answer\n'
LEAKED = 'sk-corpus-literal-0451'
FAKE_RUN = fake_config(subjects=('law', 'logic'))  # a model that loads instantly, should a case get that far
GSM8K_ROW = '{"question": "1+1?", "answer": "1+1=2\\n#### 2"}\n'


@dataclass(frozen=True)
class Case:
    """A bad input: edits to the tiny config (or a whole config text), extra CLI words ('{tmp}' is the
    test's folder), data files to write under ``{tmp}/data``, and what the CLI must answer."""
    errors: tuple[str, ...]
    edits: tuple[tuple[str, str], ...] = ()
    append: str = ''
    text: str | None = None
    args: tuple[str, ...] = ('--dry-run',)
    files: tuple[tuple[str, str], ...] = ()  # (path relative to the test's folder, content)
    code: int = 2
    use_config: bool = True


def edit(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return ((old, new),)


def with_ceval_x(dev: str, val: str) -> dict:
    """A data root ``{tmp}/data`` holding one C-Eval subject 'x' (dev and val files), evaluated alone."""
    return dict(files=(('data/ceval/dev/x_dev.csv', dev), ('data/ceval/val/x_val.csv', val)),
                args=('--dry-run', '--data-root', '{tmp}/data'),
                edits=edit("for name in ('law', 'logic')", "for name in ('x',)"))


CASES = {
    # -- the config file itself ------------------------------------------------------------------------
    'syntax-error': Case(text='models = [dict(\n', errors=('is not valid Python', 'line')),
    'circular-read-base': Case(
        text='from mmengine.config import read_base\nwith read_base():\n    from .other import *\n',
        files=(('other.py', 'from mmengine.config import read_base\nwith read_base():\n    from .cfg import *\n'),),
        errors=('read_base() imports form a cycle',)),
    'missing-config-file': Case(use_config=False, args=('{tmp}/nope.py', '--dry-run'), errors=('does not exist',)),
    'misspelt-top-level-key': Case(edits=edit('datasets = [', 'dataset = ['),
                                   errors=("unknown top-level key 'dataset'", "Did you mean 'datasets'")),
    'empty-datasets': Case(append='datasets = []\n', errors=("'datasets' must be a non-empty list",)),
    'duplicate-abbr': Case(edits=edit("abbr=f'ceval-{name}'", "abbr='ceval'"),
                           errors=("datasets[1]: duplicate dataset abbr 'ceval'",)),
    # -- unknown types -------------------------------------------------------------------------------------
    'unknown-inferencer-type': Case(edits=edit("'PPLInferencer'", "'PPLInferencr'"),
                                    errors=("unknown inferencer type 'PPLInferencr'", "Did you mean 'PPLInferencer'")),
    'unknown-dataset-type': Case(edits=edit("'CEvalDataset'", "'CEvalDatset'"),
                                 errors=("datasets[0] (ceval-law).type: unknown dataset type 'CEvalDatset'",
                                         "Did you mean 'CEvalDataset'")),
    'unknown-runner-type': Case(append="infer = dict(runner=dict(type='LocalRuner'))\n",
                                errors=("infer.runner.type: unknown runner type 'LocalRuner'",
                                        "Did you mean 'LocalRunner'")),
    # -- a misspelt key at every level ------------------------------------------------------------------
    'misspelt-model-key': Case(edits=edit('batch_size=8', 'batch_sise=8'),
                               errors=("models[0]: unknown key 'batch_sise'", "Did you mean 'batch_size'")),
    'misspelt-dataset-key': Case(edits=edit('reader_cfg=dict(', 'reader_cgf=dict('),
                                 errors=("datasets[0]: unknown key 'reader_cgf'", "Did you mean 'reader_cfg'")),
    'misspelt-reader-key': Case(edits=edit("output_column='answer'", "output_colum='answer'"),
                                errors=("reader_cfg: unknown key 'output_colum'", "Did you mean 'output_column'")),
    'misspelt-infer-cfg-key': Case(edits=edit('retriever=dict(', 'retreiver=dict('),
                                   errors=("infer_cfg: unknown key 'retreiver'", "Did you mean 'retriever'")),
    'misspelt-retriever-key': Case(edits=edit("type='ZeroRetriever'", "type='FixKRetriever', fix_id_lst=[0]"),
                                   errors=("infer_cfg.retriever: unknown key 'fix_id_lst'",
                                           "Did you mean 'fix_id_list'")),
    'misspelt-inferencer-key': Case(edits=edit('chunk_size=1', 'chunk_sise=1'),
                                    errors=("infer_cfg.inferencer: unknown key 'chunk_sise'",
                                            "Did you mean 'chunk_size'")),
    'misspelt-eval-cfg-key': Case(edits=edit('eval_cfg=dict(evaluator=', 'eval_cfg=dict(evalutor='),
                                  errors=("eval_cfg: unknown key 'evalutor'", "Did you mean 'evaluator'")),
    'misspelt-postprocessor-key': Case(
        edits=edit("evaluator=dict(type='AccEvaluator')",
                   "evaluator=dict(type='AccEvaluator'), pred_postprocessor=dict(type='FirstOption', option='AB')"),
        errors=("eval_cfg.pred_postprocessor: unknown key 'option'", "Did you mean 'options'")),
    'unknown-pred-role': Case(edits=edit("evaluator=dict(type='AccEvaluator')",
                                         "evaluator=dict(type='AccEvaluator'), pred_role='BOOT'"),
                              errors=("eval_cfg.pred_role: unknown role 'BOOT'", "Did you mean 'BOT'")),
    'misspelt-stage-key': Case(append="eval = dict(partioner=dict(type='NaivePartitioner'))\n",
                               errors=("eval: unknown key 'partioner'", "Did you mean 'partitioner'")),
    'misspelt-runner-option': Case(append="infer = dict(runner=dict(type='LocalRunner', max_num_worker=2))\n",
                                   errors=("infer.runner: unknown key 'max_num_worker'",
                                           "Did you mean 'max_num_workers'")),
    # Evaluation and summary settings are checked before inference runs (no dry run here: nothing may start).
    'misspelt-eval-runner-option': Case(text=FAKE_RUN, args=('-w', '{tmp}/out'),
                                        append="eval = dict(runner=dict(type='LocalRunner', retries=2))\n",
                                        errors=("eval.runner: unknown key 'retries'", "Did you mean 'retry'")),
    'misspelt-summarizer-key': Case(append="summarizer = dict(type='DefaultSummarizer', summary_group=[])\n",
                                    errors=("summarizer: unknown key 'summary_group'",
                                            "Did you mean 'summary_groups'")),
    'misspelt-run-cfg-key': Case(edits=edit(MODEL_OPTIONS, MODEL_OPTIONS + ', run_cfg=dict(num_gpu=1)'),
                                 errors=("models[0].run_cfg: unknown key 'num_gpu'", "Did you mean 'num_gpus'")),
    'unknown-summary-group-member': Case(
        text=FAKE_RUN, args=('-w', '{tmp}/out'),
        append="summarizer = dict(summary_groups=[dict(name='both', subsets=['ceval-law', 'ceval-logc'])])\n",
        errors=("summarizer.summary_groups[0].subsets: 'ceval-logc' is not the abbr of a dataset in this run",
                "Did you mean 'ceval-logic'")),
    # -- wrong value types ----------------------------------------------------------------------------
    'wrong-type-batch-size': Case(edits=edit('batch_size=8', "batch_size='eight'"),
                                  errors=("models[0].batch_size: expected int or 'auto', got str 'eight'",)),
    'wrong-type-input-columns': Case(edits=edit("input_columns=['question', 'A', 'B', 'C', 'D']",
                                                "input_columns='question'"),
                                     errors=('reader_cfg.input_columns: expected a non-empty list',)),
    'wrong-type-stage': Case(append="infer = 'LocalRunner'\n",
                             errors=("infer: expected dict(partitioner=..., runner=...), got str",)),
    'wrong-model-mode': Case(edits=edit("mode='base'", "mode='instruct'"),
                             errors=("models[0].mode: expected 'base' or 'chat', got 'instruct'",)),
    # -- model paths and lengths -------------------------------------------------------------------------
    'nonexistent-model-path': Case(edits=edit("path='embedded:smollm2-135m-instruct'", "path='/no/such/model'"),
                                   errors=("models[0].path: local model folder '/no/such/model' does not exist",)),
    'malformed-hub-id': Case(edits=edit("path='embedded:smollm2-135m-instruct'", "path='Hugging Face/smol lm'"),
                             errors=("'Hugging Face/smol lm' is neither an existing local folder nor a valid",)),
    # A relative folder that does not exist reads as a hub id; not cached, the hub is asked before any task
    # starts (this machine cannot reach it; a machine that can gets "has no model of that id").
    'missing-relative-model-folder': Case(
        edits=edit("path='embedded:smollm2-135m-instruct'", "path='models/smollm2-typo'"),
        errors=("models[0].path: 'models/smollm2-typo' is not a local folder (relative paths start from the folder",)),
    'unknown-embedded-model': Case(edits=edit('smollm2-135m-instruct', 'smollm3'),
                                   errors=("unknown embedded model 'embedded:smollm3'",)),
    'sampling-generation-kwargs': Case(
        edits=edit(MODEL_OPTIONS, MODEL_OPTIONS + ', generation_kwargs=dict(do_sample=True, top_p=0)'),
        errors=("models[0].generation_kwargs.top_p: expected a number in (0, 1]",)),
    'max-out-len-over-max-seq-len': Case(edits=edit(MODEL_OPTIONS, MODEL_OPTIONS + ', max_seq_len=64, max_out_len=64'),
                                         errors=("models[0].max_out_len = 64 is not below max_seq_len = 64 of model 'smollm2'",)),
    'dataset-max-out-len-over-max-seq-len': Case(
        edits=(*edit(MODEL_OPTIONS, MODEL_OPTIONS + ', max_seq_len=128, max_out_len=16'),
               *edit("type='PPLInferencer', chunk_size=1", "type='GenInferencer', max_out_len=512")),
        errors=("datasets[0] (ceval-law).infer_cfg.inferencer.max_out_len = 512 is not below max_seq_len = 128",)),
    # -- secrets -----------------------------------------------------------------------------------------
    'literal-api-key': Case(edits=edit(MODEL_OPTIONS, MODEL_OPTIONS + f", model_kwargs=dict(token='{LEAKED}')"),
                            errors=('models[0].model_kwargs.token: looks like a literal secret', "ENV:")),
    'literal-secret-in-a-list': Case(
        append=f"eval = dict(runner=dict(type='LocalRunner'), headers=[dict(Authorization='Bearer {LEAKED}')])\n",
        errors=('eval.headers[0].Authorization: looks like a literal secret',)),
    # -- data ----------------------------------------------------------------------------------------
    'missing-data-folder': Case(edits=edit("path='ceval'", "path='ceval_missing'"),
                                errors=('is not available locally', 'ceval_missing/{dev,val}/law_*.csv')),
    'corrupt-csv-row': Case(errors=("x_val.csv', line 3: expected 7 columns, found 5",),
                            **with_ceval_x(CEVAL_HEADER + '0,q,a,b,c,d,A\n',
                                           CEVAL_HEADER + '0,q,a,b,c,d,A\n1,q,a,b,c\n')),
    'empty-test-split': Case(errors=("dataset 'ceval-x': the test split 'val' has no rows",),
                             **with_ceval_x(CEVAL_HEADER + '0,q,a,b,c,d,A\n', CEVAL_HEADER)),
    'corrupt-jsonl-row': Case(
        use_config=False, args=('--datasets', 'gsm8k_gen', '--models', 'hf_smollm2_135m', '--data-root', '{tmp}/data',
                                '--dry-run'),
        files=(('data/gsm8k/train.jsonl', GSM8K_ROW), ('data/gsm8k/test.jsonl', GSM8K_ROW + '{"question": "2+2?", \n')),
        errors=("test.jsonl', line 2: not valid JSON",)),
    'missing-test-split': Case(edits=edit("test_split='val'", "test_split='tset'"),
                               errors=("reader_cfg asks for split 'tset', but the data has dev, val",)),
    'fix-id-list-beyond-pool': Case(edits=edit("type='ZeroRetriever'", "type='FixKRetriever', fix_id_list=[0, 99]"),
                                    errors=("dataset 'ceval-law'.infer_cfg.retriever:",
                                            'fix_id_list refers to rows [99], but the in-context split has only 5')),
    # -- the command line -------------------------------------------------------------------------------
    'limit-zero': Case(args=('--limit', '0', '--dry-run'), errors=('--limit must be a positive number of rows',)),
    'limit-negative': Case(args=('--limit', '-3', '--dry-run'), errors=('--limit must be a positive number of rows',)),
    'unknown-mode': Case(args=('-m', 'bogus', '--dry-run'), errors=("argument -m/--mode: invalid choice: 'bogus'",)),
    'zero-workers': Case(args=('--max-num-workers', '0', '--dry-run'),
                         errors=('argument --max-num-workers: expected a number >= 1, got 0',)),
    'negative-retry': Case(args=('--retry', '-1', '--dry-run'), errors=('argument --retry: expected a number >= 0',)),
    'reuse-without-earlier-run': Case(args=('-r', '-w', '{tmp}/out', '--dry-run'),
                                      errors=("-r latest: no earlier run under '",)),
    'reuse-unknown-timestamp': Case(args=('-r', '20000101_000000', '-w', '{tmp}/out', '--dry-run'),
                                    errors=("-r 20000101_000000: no run folder",)),
    'unknown-model-name': Case(use_config=False,
                               args=('--datasets', 'ceval_gen', '--models', 'hf_smollm_135m', '--dry-run'),
                               errors=("Unknown model config 'hf_smollm_135m'", "Did you mean")),
}


def _write_case(case: Case, tmp_path: Path) -> list[str]:
    """Write the case's config and data into ``tmp_path``; return the CLI words."""
    for relative, content in case.files:
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding='utf-8')
    words = [a.replace('{tmp}', str(tmp_path)) for a in case.args]
    if not case.use_config:
        return words
    text = case.text if case.text is not None else TINY
    for old, new in case.edits:
        assert old in text, f'stale case: {old!r} no longer occurs in the test config'
        text = text.replace(old, new)
    config = tmp_path / 'cfg.py'
    config.write_text(text + case.append, encoding='utf-8')
    return [str(config), *words]


@pytest.mark.parametrize('name', sorted(CASES))
def test_bad_input_is_reported_before_any_work(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    result = run_cli(*_write_case(case, tmp_path), timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == case.code, output
    assert 'Traceback' not in output, output
    for fragment in case.errors:
        assert fragment in result.stderr, f'{fragment!r} not in:\n{result.stderr}'
    assert LEAKED not in output
    assert not (tmp_path / 'out').exists() or not any((tmp_path / 'out').iterdir())


def test_unwritable_work_dir_is_refused_before_any_task(tmp_path: Path) -> None:
    """A work dir under a regular file (unwritable even for root) fails before a task starts."""
    config = tmp_path / 'fake.py'
    config.write_text(fake_config(subjects=('law',)), encoding='utf-8')
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder', encoding='utf-8')
    result = run_cli(str(config), '-w', str(blocker / 'out'), timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(blocker / 'out') in result.stderr and 'Not a directory' in result.stderr, result.stderr
    assert 'Traceback' not in result.stderr and 'task(s)' not in result.stdout


def test_corpus_is_large_enough() -> None:
    assert len(CASES) + 1 >= 30
