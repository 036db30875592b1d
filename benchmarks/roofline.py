"""Throughput ceilings of a model on this machine: what no engine doing evalkit's work can beat.

    python benchmarks/roofline.py [--mode scoring|decode|full] [--threads 2] [--context 200 1600] [--past 0 3500]

Three measurements, each the best over a grid of batch shapes, on random tokens:

* ``scoring``: the decoder stack alone (``model.model(input_ids)``, no output head) in
  tokens/s, and the output head plus log-softmax in positions/s.  evalkit's scorer runs
  the head only on positions whose score is needed, so the time no scorer can beat for
  a job is ``computed tokens / decoder rate + scored positions / head rate``
  (:func:`scoring_ceiling_seconds`).  The full forward (``model(input_ids)``, the head at
  every position) is *not* a ceiling for that engine: it is 1.2-1.4x slower here.
  ``--past N`` times the decoder again with every token also attending to ``N`` earlier
  keys of its row, as behind a long shared prefix: what the short-context rate leaves out
  for jobs whose in-context examples run to thousands of tokens.
* ``decode``: one new token per row (decoder step + head on that position + argmax) with
  a KV cache of ``context`` keys per row, at 8, 16, 32 and 64 rows.  The best rate is the
  greedy-generation ceiling.  Pass the *private* context per row (what a row attends to
  beyond a prefix that all rows share) to get a true upper bound for an engine that
  keeps shared prefixes once; the full context gives what a plain per-row cache reaches.
* ``full``: plain ``model(input_ids)`` tokens/s, for reference.
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = ((1, 512), (1, 1024), (4, 128), (8, 128), (4, 256), (8, 256), (16, 128), (4, 512))  # (rows, tokens per row)
DECODE_ROWS = (8, 16, 32, 64, 128)  # up to the most rows the engine decodes at once (batching._MAX_DECODE_SLOTS)
HEAD_POSITIONS = 1024


def _best_seconds(call: Callable[[], Any], repeats: int) -> float:
    """Best-of-``repeats`` wall seconds of ``call`` after one warm-up call."""
    best = float('inf')
    with torch.inference_mode():
        call()
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
    return best


def _random_ids(model: Any, rows: int, length: int) -> torch.Tensor:
    return torch.randint(100, model.config.vocab_size, (rows, length))


def time_forward(model: Any, rows: int, length: int, repeats: int = 3) -> float:
    """Tokens/s of one full forward (head at every position) over a ``rows`` x ``length`` batch."""
    ids = _random_ids(model, rows, length)
    return rows * length / _best_seconds(lambda: model(input_ids=ids), repeats)


def _random_cache(model: Any, rows: int, context: int) -> Any:
    """A KV cache of ``context`` random keys/values per row (their values do not change the cost)."""
    from transformers import DynamicCache

    config = model.config.get_text_config()
    kv_heads = getattr(config, 'num_key_value_heads', None) or config.num_attention_heads
    head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
    cache = DynamicCache(config=config)
    for layer in range(config.num_hidden_layers):
        kv = torch.randn(rows, kv_heads, context, head_dim, dtype=model.get_output_embeddings().weight.dtype)
        cache.update(kv, kv.clone(), layer)
    return cache


def _cached_forward(model: Any, ids: torch.Tensor, context: int) -> Callable[[], Any]:
    """One decoder call over ``ids`` after ``context`` cached keys per row; the cache is cropped back
    after every call, so each timed call sees exactly ``context`` keys before its own."""
    decoder = model.get_decoder()
    cache = _random_cache(model, ids.shape[0], context)
    positions = torch.arange(context, context + ids.shape[1]).expand(ids.shape[0], -1)
    # transformers renamed the decoder's cache argument (past_key_values -> cache) within 5.x
    cache_arg = 'cache' if 'cache' in inspect.signature(decoder.forward).parameters else 'past_key_values'

    def call() -> Any:
        out = decoder(input_ids=ids, position_ids=positions, use_cache=True, **{cache_arg: cache})
        cache.crop(-ids.shape[1])  # drop the call's own keys again
        return out.last_hidden_state

    return call


def time_decoder(model: Any, rows: int, length: int, repeats: int = 3, past: int = 0) -> float:
    """Tokens/s of the decoder stack alone over a ``rows`` x ``length`` batch, each token also
    attending to ``past`` earlier keys of its row (a long shared prefix makes every token pay that)."""
    ids = _random_ids(model, rows, length)
    if not past:
        decoder = model.get_decoder()
        return rows * length / _best_seconds(lambda: decoder(input_ids=ids), repeats)
    return rows * length / _best_seconds(_cached_forward(model, ids, past), repeats)


def time_head(model: Any, positions: int = HEAD_POSITIONS, repeats: int = 3) -> float:
    """Positions/s of the output head and log-softmax (what scoring one position costs beyond the decoder)."""
    head = model.get_output_embeddings()
    hidden = torch.randn(positions, head.in_features, dtype=head.weight.dtype)
    return positions / _best_seconds(lambda: head(hidden).float().log_softmax(-1), repeats)


def time_decode_step(model: Any, rows: int, context: int, repeats: int = 3) -> float:
    """New tokens/s of greedy decoding: ``rows`` rows, each attending to ``context`` cached keys."""
    forward, head = _cached_forward(model, _random_ids(model, rows, 1), context), model.get_output_embeddings()
    return rows / _best_seconds(lambda: head(forward()[:, -1]).argmax(-1), repeats)


def scoring_rates(model: Any, shapes: Sequence[tuple[int, int]] = SHAPES, repeats: int = 3,
                  past: int = 0) -> dict[str, Any]:
    """Decoder tokens/s per shape (after ``past`` keys per row), the best of them, and the head's positions/s."""
    per_shape = {f'{rows}x{length}': time_decoder(model, rows, length, repeats, past) for rows, length in shapes}
    best = max(per_shape, key=per_shape.get)
    return {'past': past, 'decoder_per_shape': per_shape, 'best_shape': best, 'decoder_tokens_per_s': per_shape[best],
            'head_positions_per_s': time_head(model, repeats=repeats)}


def scoring_ceiling_seconds(computed_tokens: int, head_positions: int, rates: dict[str, Any]) -> float:
    """The least time any engine needs to run ``computed_tokens`` through the decoder and score
    ``head_positions`` of them, at this machine's best measured rates."""
    return computed_tokens / rates['decoder_tokens_per_s'] + head_positions / rates['head_positions_per_s']


def decode_rates(model: Any, context: int, rows: Sequence[int] = DECODE_ROWS, repeats: int = 3) -> dict[str, Any]:
    """New tokens/s per batch size at one context length, and the best (the generation ceiling)."""
    per_rows = {str(r): time_decode_step(model, r, context, repeats) for r in rows}
    best = max(per_rows, key=per_rows.get)
    return {'context': context, 'per_rows': per_rows, 'best_rows': int(best), 'ceiling_tokens_per_s': per_rows[best]}


def roofline(model: Any, shapes: Sequence[tuple[int, int]] = SHAPES, repeats: int = 3) -> dict[str, Any]:
    """Full-forward tokens/s per shape and the best of them (reference only; see the module docstring)."""
    rates = {f'{rows}x{length}': time_forward(model, rows, length, repeats) for rows, length in shapes}
    return {'per_shape': rates, 'ceiling_tokens_per_s': max(rates.values())}


def load_plain_model(name: str) -> Any:
    """The model as transformers loads it (its own attention), float32: what the ceilings are measured on."""
    from transformers import AutoModelForCausalLM

    from evalkit.models.embedded import resolve_model_path

    return AutoModelForCausalLM.from_pretrained(resolve_model_path(name), dtype=torch.float32).eval()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--mode', choices=['scoring', 'decode', 'full'], default='scoring')
    parser.add_argument('--model', default='embedded:smollm2-135m-instruct')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--context', type=int, nargs='+', default=[256], help='decode: cached keys per row')
    parser.add_argument('--past', type=int, nargs='+', default=[0],
                        help='scoring: earlier keys every token also attends to (a shared prefix); the first prices '
                             'the ceiling')
    parser.add_argument('--json', type=Path, help='also write the measurements here')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_plain_model(args.model)
    measured: dict[str, Any] = {'mode': args.mode, 'threads': args.threads}
    if args.mode == 'scoring':
        for past in args.past:
            rates = scoring_rates(model, repeats=args.repeats, past=past)
            measured.setdefault('scoring', rates)  # the first --past (default 0) is the ceiling's
            measured.setdefault('scoring_at_past', []).append(rates)
            for shape, rate in rates['decoder_per_shape'].items():
                print(f'decoder {shape:>8} after {past:>5} keys  {rate:8.0f} tokens/s')
        print(f"head + log-softmax  {rates['head_positions_per_s']:8.0f} positions/s")
    elif args.mode == 'decode':
        for context in args.context:
            rates = decode_rates(model, context, repeats=args.repeats)
            measured.setdefault('decode', []).append(rates)
            for rows, rate in rates['per_rows'].items():
                print(f'decode context {context:>5} rows {rows:>3}  {rate:8.1f} new tokens/s')
            print(f"decode ceiling at context {context}: {rates['ceiling_tokens_per_s']:.1f} tokens/s "
                  f"({rates['best_rows']} rows, {args.threads} threads)")
    else:
        result = measured['full'] = roofline(model, repeats=args.repeats)
        for shape, rate in result['per_shape'].items():
            print(f'full {shape:>8}  {rate:8.0f} tokens/s')
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
