"""Throughput ceiling of a model on this machine: plain batched forward passes, tokens per second.

    python benchmarks/roofline.py [--threads 2] [--model embedded:smollm2-135m-instruct]

Times ``model(input_ids)`` (every position's logits, as a framework computing
perplexity needs) on random tokens over a grid of batch shapes and reports the best
tokens/s: the rate no scorer can beat.  ``benchmarks/engine_speed.py`` divides
evalkit's achieved rate (counting only tokens that had to be computed) by it.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = ((1, 512), (4, 128), (8, 128), (4, 256), (8, 256), (16, 128))  # (rows, tokens per row)


def time_forward(model: Any, rows: int, length: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` tokens/s of one full forward over a ``rows`` x ``length`` batch."""
    ids = torch.randint(100, model.config.vocab_size, (rows, length))
    best = float('inf')
    with torch.inference_mode():
        model(input_ids=ids)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            model(input_ids=ids)
            best = min(best, time.perf_counter() - start)
    return rows * length / best


def roofline(model: Any, shapes: tuple[tuple[int, int], ...] = SHAPES, repeats: int = 3) -> dict[str, Any]:
    """Tokens/s per shape and the best of them (the ceiling)."""
    rates = {f'{rows}x{length}': time_forward(model, rows, length, repeats) for rows, length in shapes}
    return {'per_shape': rates, 'ceiling_tokens_per_s': max(rates.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--model', default='embedded:smollm2-135m-instruct')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from transformers import AutoModelForCausalLM

    from evalkit.models.embedded import resolve_model_path

    model = AutoModelForCausalLM.from_pretrained(resolve_model_path(args.model), dtype=torch.float32).eval()
    result = roofline(model, repeats=args.repeats)
    for shape, rate in result['per_shape'].items():
        print(f'{shape:>8}  {rate:8.0f} tokens/s')
    print(f"ceiling   {result['ceiling_tokens_per_s']:8.0f} tokens/s  ({args.threads} threads)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
