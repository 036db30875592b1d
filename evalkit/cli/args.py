"""Command-line arguments of ``run.py``."""
from __future__ import annotations

import argparse
import ast
from collections.abc import Callable
from typing import Any

from mmengine.config import DictAction

from evalkit.config.errors import ConfigError


def parse_value(text: str) -> Any:
    """A literal (True, 3, 0.5, 'left', [1, 2]) or, failing that, the text itself; never eval()."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def batch_size(text: str) -> int | str:
    """``--batch-size``: a positive number of rows, or 'auto' (as many as memory allows)."""
    if text == 'auto':
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {text!r}")


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum`` (0 for counts, 1 for sizes)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected a whole number, got {text!r}') from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f'expected a number >= {minimum}, got {value}')
        return value
    return parse


def parse_kwargs(pairs: list[str] | None, flag: str) -> dict[str, Any]:
    """``key=value`` words (values may be quoted) into a dict."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise ConfigError(f"{flag}: expected key=value, got '{pair}'. Example: {flag} padding_side='left'.")
        result[key] = parse_value(value)
    return result


class _HelpFormatter(argparse.HelpFormatter):
    """Shows a flag's default only when it has one worth reading (not None, not a switch's False)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ''
        if action.default not in (None, False, argparse.SUPPRESS) and '%(default)' not in text:
            text += ' (default: %(default)s)'
        return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog='run.py', description='Evaluate language models. Give a config file, or build a run from '
        '--models/--hf-path and --datasets.',
        formatter_class=_HelpFormatter)
    p.add_argument('config', nargs='?', help='Python config file declaring models and datasets')
    src = p.add_argument_group('what to evaluate (instead of, or on top of, a config file)')
    src.add_argument('--models', nargs='+', metavar='NAME', help='model configs by name (configs/models/**/NAME.py)')
    src.add_argument('--datasets', nargs='+', metavar='NAME',
                     help='dataset configs by name (configs/datasets/**/NAME.py), e.g. ceval_gen mmlu_ppl')
    src.add_argument('--limit', type=int, metavar='N', help='evaluate only the first N rows of each dataset')
    src.add_argument('--data-root', metavar='DIR', help='look for dataset files here first (sets EVALKIT_DATA_ROOT)')
    src.add_argument('--custom-dataset-path', metavar='FILE',
                     help='a .jsonl or .csv question file to evaluate as it is: options A, B, ... with an answer '
                     'column make it multiple choice, question + answer columns question-answer')
    src.add_argument('--custom-dataset-data-type', choices=['mcq', 'qa'],
                     help='override the layout detected from the columns of --custom-dataset-path')
    src.add_argument('--custom-dataset-infer-method', choices=['gen', 'ppl'],
                     help='gen: the model writes the answer; ppl: each option is scored (default gen)')
    src.add_argument('--custom-dataset-meta-path', metavar='META.json',
                     help='overrides (abbr, columns, prompt_template, evaluator, ...); default FILE.meta.json if present')
    hf = p.add_argument_group('a Hugging Face model from the command line')
    hf.add_argument('--hf-path', help='local folder or hub id of the model '
                    "('embedded:smollm2-135m-instruct' is the bundled default)")
    hf.add_argument('--hf-type', choices=['base', 'chat'], default='chat',
                    help='chat: render prompts with the tokenizer chat template; base: raw text')
    hf.add_argument('--tokenizer-path', help='tokenizer folder or hub id (default: --hf-path)')
    hf.add_argument('--tokenizer-kwargs', nargs='+', metavar='K=V', help='keyword arguments for the tokenizer')
    hf.add_argument('--model-kwargs', nargs='+', metavar='K=V', help='keyword arguments for from_pretrained')
    hf.add_argument('--generation-kwargs', nargs='+', metavar='K=V',
                    help='decoding: temperature, top_p, top_k, seed, num_return_sequences, do_sample (greedy when '
                         'absent), e.g. temperature=0.7 top_p=0.9 seed=1')
    hf.add_argument('--max-seq-len', type=at_least(2), default=2048, help='longest input; longer prompts lose their start')
    hf.add_argument('--max-out-len', type=at_least(1), default=256, help='most new tokens per answer')
    hf.add_argument('--batch-size', type=batch_size, default=8,
                    help="sequences per forward pass, or 'auto': as many as memory allows")
    hf.add_argument('--num-gpus', type=at_least(0), default=0, help='GPUs per task (0 or no GPU present: CPU)')
    hf.add_argument('--dtype', default='float32', choices=['float32', 'bfloat16', 'float16', 'auto'],
                    help='weight and compute dtype')
    hf.add_argument('-a', '--accelerator', choices=['hf', 'vllm'], default='hf',
                    help="vllm: serve each Hugging Face model with a vLLM server started for the task (venv: "
                    "python tools/vllm_server.py setup) and evaluate it through the API; hf: evalkit's own engine")
    judge = p.add_argument_group('judging (subjective datasets such as mtbench_single, subjective_generic)')
    judge.add_argument('--judge-model', nargs='+', metavar='NAME',
                       help='judge model configs by name (configs/models/**/NAME.py); sets judge_models')
    judge.add_argument('--judge-hf-path', metavar='PATH',
                       help='a Hugging Face model (folder, hub id or embedded:NAME) as the judge, with the '
                       '--max-seq-len/--max-out-len/--batch-size/--dtype settings of the candidates')
    judge.add_argument('--judge-mode', choices=['single', 'pairwise', 'all_pairs'],
                       help="override the datasets' judge mode (judge.mode)")
    judge.add_argument('--judge-base-models', nargs='+', metavar='ABBR',
                       help='the baseline model(s) pairwise mode compares every other model with (judge.base_models)')
    run = p.add_argument_group('how to run')
    run.add_argument('-w', '--work-dir', help='experiment folder (default outputs/<config name>)')
    run.add_argument('-r', '--reuse', nargs='?', const='latest', metavar='TIMESTAMP',
                     help="continue a run in the same folder ('latest' if no timestamp), reusing "
                     'predictions whose content fingerprint still matches')
    run.add_argument('-m', '--mode', choices=['all', 'infer', 'eval', 'viz'], default='all',
                     help='infer: predictions only; eval: score existing predictions; viz: summary only')
    run.add_argument('--max-num-workers', type=at_least(1), help='task processes at once (default 1)')
    run.add_argument('--retry', type=at_least(0), default=0, help='extra attempts for a failed task')
    run.add_argument('--debug', action='store_true', help='run tasks one by one in this process, output live')
    run.add_argument('--dry-run', action='store_true', help='print the tasks that would run, then exit')
    run.add_argument('--allow-code-execution', action='store_true',
                     help='let code benchmarks (humaneval, mbpp) run the model\'s code in the sandbox; it is '
                     'untrusted code, so use a machine you can afford to lose (config key allow_code_execution)')
    run.add_argument('--show-stderr', action='store_true',
                     help="add each metric's standard error to the summary (summarizer key show_stderr=True)")
    run.add_argument('--slurm', action='store_true',
                     help='submit every task to Slurm with sbatch (see -p, -q) instead of running it here')
    run.add_argument('-p', '--partition', help='Slurm partition for --slurm')
    run.add_argument('-q', '--qos', help='Slurm quality of service for --slurm')
    run.add_argument('--notify-url', metavar='URL',
                     help="webhook for start / task-failure / end messages (or ENV:NAME); never written to the run's "
                     'files (config key notify=dict(url=..., kind=...))')
    run.add_argument('--notify-kind', choices=['lark', 'slack', 'generic'],
                     help='message format of the webhook (default: the config\'s notify.kind, else generic)')
    run.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                     help='override config keys, e.g. models.0.batch_size=4')
    return p
