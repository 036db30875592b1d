"""evalkit's inference engine on real data: naive against optimised, side by side, in one process.

    python benchmarks/engine_speed.py [--subjects abstract_algebra marketing] [--questions 20] [--threads 2]
    python benchmarks/engine_speed.py --job gsm8k_gen [--questions 32] [--max-out-len 256]

``mmlu_ppl`` (default): the ``mmlu_ppl`` prompts (5-shot from dev) through the PPL
inferencer.  *Naive* computes every label's whole prompt, as OpenCompass feeds its
model; *optimised* shares the 5-shot prefix through the prefix cache and each
question's context across its labels.  Printed: tokens each had to compute, wall
time, the fraction of the ceiling, the speedup, and the largest score difference
(they must agree to 1e-4).  The ceiling is the least time any engine needs for the
optimised engine's work: its computed tokens through the decoder stack alone at the
best batch shape, plus the positions it scored through the output head
(``roofline.scoring_ceiling_seconds``), with both rates timed between chunks.

``gsm8k_gen``: the ``gsm8k_gen`` prompts (4-shot, chat template) through the
generation inferencer, against transformers' ``generate`` on left-padded batches
with ``stop_strings`` (the engine evalkit had before, and how OpenCompass generates).
Printed: wall time, new tokens, speedup and how many outputs are identical.

The engines take turns chunk by chunk, so a machine shared with other jobs slows
them alike; ``--json`` also writes the numbers.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks'))

from roofline import scoring_rates, time_decoder, time_head  # noqa: E402

from evalkit.config.loading import load_config  # noqa: E402
from evalkit.datasets.reader import read_splits  # noqa: E402
from evalkit.models import HuggingFaceCausalLM  # noqa: E402
from evalkit.openicl.inferencers import GenInferencer, PPLInferencer  # noqa: E402
from evalkit.openicl.prompt_builder import PromptBuilder  # noqa: E402

Records = list[dict[str, Any]]


def builders_for(config: str, key: str, names: list[str] | None, questions: int) -> list[PromptBuilder]:
    """Prompt builders of a dataset config (the datasets called ``names``, or all), first ``questions`` rows."""
    cfg = load_config(ROOT / 'configs' / 'datasets' / config)
    chosen = {d.get('name') or d['abbr']: d for d in cfg[key]}
    builders = []
    for name in names or list(chosen):
        ds = dict(chosen[name], reader_cfg=dict(chosen[name]['reader_cfg'], limit=questions))
        train, test = read_splits(ds)
        builders.append(PromptBuilder(ds['infer_cfg'], ds['reader_cfg']['output_column'], train, test, name))
    return builders


def mmlu_builders(subjects: list[str], questions: int) -> list[PromptBuilder]:
    return builders_for('mmlu/mmlu_ppl.py', 'mmlu_datasets', subjects, questions)


class Engine:
    """One way of answering chunks of rows, with the time and tokens it took, accumulated."""

    def __init__(self, name: str, answer: Callable[[PromptBuilder, list[int]], Records],
                 model: HuggingFaceCausalLM | None = None) -> None:
        self.name, self.answer, self.model = name, answer, model
        self.records: Records = []
        self.wall_s = 0.0
        self.computed_tokens = self.padded_tokens = self.forwards = self.head_rows = 0

    def run_chunk(self, builder: PromptBuilder, indices: list[int]) -> None:
        stats = self.model.scorer.stats if self.model else None
        cache = self.model.prefix_cache if self.model else None
        backbone = self.model.scorer.backbone if self.model else None
        before = (stats.tokens, stats.padded_tokens, stats.forwards, cache.computed_tokens,
                  backbone.head_rows) if stats else None
        start = time.perf_counter()
        self.records.extend(self.answer(builder, indices))
        self.wall_s += time.perf_counter() - start
        if before:
            self.computed_tokens += stats.tokens - before[0] + cache.computed_tokens - before[3]
            self.padded_tokens += stats.padded_tokens - before[1]
            self.forwards += stats.forwards - before[2]
            self.head_rows += backbone.head_rows - before[4]

    def summary(self) -> dict[str, Any]:
        return {'wall_s': self.wall_s, 'computed_tokens': self.computed_tokens, 'padded_tokens': self.padded_tokens,
                'forwards': self.forwards, 'head_rows': self.head_rows,
                'tokens_per_s': self.computed_tokens / self.wall_s}


def interleaved(builders: list[PromptBuilder], engines: list[Engine], chunk_size: int,
                between: Callable[[], None] = lambda: None) -> None:
    """Run every engine on each chunk in turn, calling ``between`` before each engine's turn."""
    for builder in builders:
        rows = list(range(len(builder.test)))
        for lo in range(0, len(rows), chunk_size):
            for engine in engines:
                between()
                engine.run_chunk(builder, rows[lo:lo + chunk_size])


def ppl_answer(model: HuggingFaceCausalLM, share: bool, chunk_size: int) -> Callable[[PromptBuilder, list[int]],
                                                                                   Records]:
    inferencer = PPLInferencer(chunk_size=chunk_size)

    def answer(builder: PromptBuilder, indices: list[int]) -> Records:
        model.share_prefixes = share
        return inferencer.infer_chunk(model, builder, indices)
    return answer


def mmlu_ppl(args: argparse.Namespace, model: HuggingFaceCausalLM) -> dict[str, Any]:
    from roofline import load_plain_model, scoring_ceiling_seconds

    builders = mmlu_builders(args.subjects, args.questions)
    plain_model = load_plain_model('embedded:smollm2-135m-instruct')  # its own attention, not the engine's
    grid = scoring_rates(plain_model)
    shape = tuple(int(n) for n in grid['best_shape'].split('x'))
    engines = [Engine('optimised', ppl_answer(model, True, args.chunk_size), model)]
    if not args.skip_naive:
        engines.append(Engine('naive', ppl_answer(model, False, args.chunk_size), model))
    timed = {'decoder_tokens': 0, 'decoder_s': 0.0, 'head_positions': 0, 'head_s': 0.0}

    def time_plain() -> None:  # the ceiling's rates, sampled between chunks so load shifts hit both alike
        tokens = shape[0] * shape[1]
        timed['decoder_tokens'] += tokens
        timed['decoder_s'] += tokens / time_decoder(plain_model, *shape, repeats=1)
        timed['head_positions'] += 1024
        timed['head_s'] += 1024 / time_head(plain_model, 1024, repeats=1)

    interleaved(builders, engines, args.chunk_size, time_plain)
    rates = {'decoder_tokens_per_s': timed['decoder_tokens'] / timed['decoder_s'],
             'head_positions_per_s': timed['head_positions'] / timed['head_s']}
    print(f"MMLU PPL, {len(args.subjects)} subjects x {args.questions} questions, 5-shot, {args.threads} threads, "
          f"batch_size={model.batch_size}; decoder {rates['decoder_tokens_per_s']:.0f} tokens/s "
          f"({grid['best_shape']}), head {rates['head_positions_per_s']:.0f} positions/s (interleaved)")
    print(f"{'engine':<10} {'computed tok':>12} {'head rows':>9} {'forwards':>8} {'wall s':>8} {'ceiling s':>9} "
          f"{'of ceiling':>10}")
    summary: dict[str, Any] = {**rates, 'roofline_grid': grid}
    for engine in engines:
        r = summary[engine.name] = engine.summary()
        r['ceiling_s'] = scoring_ceiling_seconds(r['computed_tokens'], r['head_rows'], rates)
        r['fraction_of_ceiling'] = r['ceiling_s'] / r['wall_s']
        print(f"{engine.name:<10} {r['computed_tokens']:>12} {r['head_rows']:>9} {r['forwards']:>8} "
              f"{r['wall_s']:>8.1f} {r['ceiling_s']:>9.1f} {r['fraction_of_ceiling']:>10.0%}")
    if len(engines) == 2:
        fast, naive = engines
        diffs = [abs(a['scores'][k] - b['scores'][k]) for a, b in zip(naive.records, fast.records) for k in a['scores']]
        agree = sum(a['prediction'] == b['prediction'] for a, b in zip(naive.records, fast.records))
        summary.update(max_abs_score_diff=max(diffs), prediction_agreement=agree / len(naive.records),
                       speedup=naive.wall_s / fast.wall_s)
        print(f"speedup {summary['speedup']:.1f}x; max |score diff| {summary['max_abs_score_diff']:.2e}; "
              f"predictions agree {summary['prediction_agreement']:.0%}")
    return summary


def hf_generate_answer(model: HuggingFaceCausalLM, max_out_len: int, stop_words: list[str],
                       batch_size: int) -> Callable[[PromptBuilder, list[int]], Records]:
    """transformers' ``generate`` on left-padded batches in dataset order, stopping on ``stop_strings``."""
    tokenizer = model.tokenizer

    def answer(builder: PromptBuilder, indices: list[int]) -> Records:
        texts = [model.render(builder.generation_prompt(i)) for i in indices]
        records = []
        for lo in range(0, len(texts), batch_size):
            enc = tokenizer(texts[lo:lo + batch_size], return_tensors='pt', padding=True, padding_side='left',
                            add_special_tokens=model.mode == 'base')
            with torch.inference_mode():
                out = model.model.generate(**enc, max_new_tokens=max_out_len, do_sample=False,
                                           pad_token_id=tokenizer.pad_token_id, stop_strings=stop_words,
                                           tokenizer=tokenizer)
            for i, row in zip(indices[lo:lo + batch_size], out):
                text = tokenizer.decode(row[enc['input_ids'].shape[1]:], skip_special_tokens=True)
                cut = min([text.find(s) for s in stop_words if s in text] + [len(text)])
                records.append({'index': i, 'prediction': text[:cut]})
        return records
    return answer


def gsm8k_gen(args: argparse.Namespace, model: HuggingFaceCausalLM) -> dict[str, Any]:
    builders = builders_for('gsm8k/gsm8k_gen.py', 'gsm8k_datasets', None, args.questions)
    stops = ['Question:']
    ours = GenInferencer(max_out_len=args.max_out_len, stop_words=stops, chunk_size=args.chunk_size)
    engines = [Engine('optimised', lambda b, idx: ours.infer_chunk(model, b, idx))]
    if not args.skip_naive:
        engines.append(Engine('hf-generate', hf_generate_answer(model, args.max_out_len, stops, model.batch_size)))
    interleaved(builders, engines, args.chunk_size)
    print(f"GSM8K gen, {args.questions} questions, 4-shot, max_out_len={args.max_out_len}, {args.threads} threads, "
          f"batch_size={model.batch_size}")
    summary: dict[str, Any] = {}
    for engine in engines:
        new_tokens = sum(len(model.tokenizer(r['prediction'])['input_ids']) for r in engine.records)
        summary[engine.name] = {'wall_s': engine.wall_s, 'kept_new_tokens': new_tokens}
        print(f"{engine.name:<12} {engine.wall_s:8.1f} s  {new_tokens:>6} new tokens kept  "
              f"{new_tokens / engine.wall_s:6.1f} tokens/s")
    if len(engines) == 2:
        fast, naive = engines
        same = sum(a['prediction'] == b['prediction'] for a, b in zip(fast.records, naive.records))
        summary.update(speedup=naive.wall_s / fast.wall_s, identical_outputs=same / len(fast.records))
        print(f"speedup {summary['speedup']:.1f}x; identical outputs {summary['identical_outputs']:.0%}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--job', choices=['mmlu_ppl', 'gsm8k_gen'], default='mmlu_ppl')
    parser.add_argument('--subjects', nargs='+', default=['abstract_algebra', 'marketing'], help='MMLU subjects')
    parser.add_argument('--questions', type=int, default=20, help='test questions per subject / dataset')
    parser.add_argument('--max-out-len', type=int, default=256, help='gsm8k_gen: most new tokens')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch-size', default='8', help="rows per forward, or 'auto'")
    parser.add_argument('--chunk-size', type=int, default=64, help='rows the inferencer hands the model at once')
    parser.add_argument('--skip-naive', action='store_true', help='only the optimised engine (no speedup)')
    parser.add_argument('--json', type=Path, help='also write the results here')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    batch_size = args.batch_size if args.batch_size == 'auto' else int(args.batch_size)
    mode = 'base' if args.job == 'mmlu_ppl' else 'chat'
    model = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode=mode, batch_size=batch_size)
    summary = (mmlu_ppl if args.job == 'mmlu_ppl' else gsm8k_gen)(args, model)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
