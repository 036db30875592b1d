"""evalkit's PPL scoring engine on a real MMLU slice: naive against optimised, side by side.

    python benchmarks/engine_speed.py [--subjects abstract_algebra marketing] [--questions 20] [--threads 2]

Both engines use the same model object, the ``mmlu_ppl`` prompts (5-shot from dev)
and the PPL inferencer, in one process, taking turns chunk by chunk so that a busy
machine slows them alike.  *Naive* computes every label's whole prompt
(what OpenCompass feeds its model); *optimised* shares the 5-shot prefix through the
prefix cache and each question's context across its labels.  Printed: tokens each
had to compute, wall time, tokens/s against the roofline ceiling
(plain forwards from ``benchmarks/roofline.py`` timed between the chunks), the speedup, and the
largest score difference between the two (they must agree to 1e-4).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks'))

from roofline import roofline, time_forward  # noqa: E402

from evalkit.config.loading import load_config  # noqa: E402
from evalkit.datasets.reader import read_splits  # noqa: E402
from evalkit.models import HuggingFaceCausalLM  # noqa: E402
from evalkit.openicl.inferencers import PPLInferencer  # noqa: E402
from evalkit.openicl.prompt_builder import PromptBuilder  # noqa: E402


def mmlu_builders(subjects: list[str], questions: int) -> list[PromptBuilder]:
    """Prompt builders of the ``mmlu_ppl`` config for ``subjects``, first ``questions`` test rows each."""
    cfg = load_config(ROOT / 'configs' / 'datasets' / 'mmlu' / 'mmlu_ppl.py')
    chosen = {d['name']: d for d in cfg['mmlu_datasets']}
    builders = []
    for name in subjects:
        ds = dict(chosen[name], reader_cfg=dict(chosen[name]['reader_cfg'], limit=questions))
        train, test = read_splits(ds)
        builders.append(PromptBuilder(ds['infer_cfg'], ds['reader_cfg']['output_column'], train, test, name))
    return builders


class Engine:
    """One way of running the model (shared or naive) and what it cost, accumulated over chunks."""

    def __init__(self, name: str, share: bool) -> None:
        self.name, self.share = name, share
        self.records: list[dict[str, Any]] = []
        self.wall_s = 0.0
        self.computed_tokens = self.padded_tokens = self.forwards = 0

    def run_chunk(self, model: HuggingFaceCausalLM, inferencer: PPLInferencer, builder: PromptBuilder,
                  indices: list[int]) -> None:
        model.share_prefixes = self.share
        stats, cache = model.scorer.stats, model.prefix_cache
        before = (stats.tokens, stats.padded_tokens, stats.forwards, cache.computed_tokens)
        start = time.perf_counter()
        self.records.extend(inferencer.infer_chunk(model, builder, indices))
        self.wall_s += time.perf_counter() - start
        self.computed_tokens += stats.tokens - before[0] + cache.computed_tokens - before[3]
        self.padded_tokens += stats.padded_tokens - before[1]
        self.forwards += stats.forwards - before[2]

    def summary(self) -> dict[str, Any]:
        return {'wall_s': self.wall_s, 'computed_tokens': self.computed_tokens, 'padded_tokens': self.padded_tokens,
                'forwards': self.forwards, 'tokens_per_s': self.computed_tokens / self.wall_s}


def interleaved(model: HuggingFaceCausalLM, builders: list[PromptBuilder], engines: list[Engine],
                chunk_size: int, shape: tuple[int, int]) -> float:
    """Run every engine on each chunk in turn, timing a plain forward of ``shape`` before each.

    The machine may be shared: interleaving exposes every engine and the ceiling to the same
    load.  Returns the ceiling: tokens/s of the plain forwards over the whole run.
    """
    model.prefix_cache.clear()
    inferencer = PPLInferencer(chunk_size=chunk_size)
    plain_tokens, plain_s = 0, 0.0
    for builder in builders:
        rows = list(range(len(builder.test)))
        for lo in range(0, len(rows), chunk_size):
            for engine in engines:
                rate = time_forward(model.model, *shape, repeats=1)
                plain_tokens, plain_s = plain_tokens + shape[0] * shape[1], plain_s + shape[0] * shape[1] / rate
                engine.run_chunk(model, inferencer, builder, rows[lo:lo + chunk_size])
    return plain_tokens / plain_s


def compare(naive: Engine, fast: Engine) -> dict[str, float]:
    diffs = [abs(a['scores'][k] - b['scores'][k]) for a, b in zip(naive.records, fast.records) for k in a['scores']]
    agree = sum(a['prediction'] == b['prediction'] for a, b in zip(naive.records, fast.records))
    return {'max_abs_score_diff': max(diffs), 'prediction_agreement': agree / len(naive.records)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--subjects', nargs='+', default=['abstract_algebra', 'marketing'])
    parser.add_argument('--questions', type=int, default=20, help='test questions per subject')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch-size', default='8', help="rows per forward, or 'auto'")
    parser.add_argument('--chunk-size', type=int, default=64, help='rows the inferencer hands the model at once')
    parser.add_argument('--skip-naive', action='store_true', help='only the optimised run (no speedup)')
    parser.add_argument('--json', type=Path, help='also write the results here')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    batch_size = args.batch_size if args.batch_size == 'auto' else int(args.batch_size)
    model = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='base', batch_size=batch_size)
    builders = mmlu_builders(args.subjects, args.questions)
    grid = roofline(model.model)['per_shape']
    best = max(grid, key=grid.get)
    shape = tuple(int(n) for n in best.split('x'))
    engines = [Engine('optimised', True)] + ([] if args.skip_naive else [Engine('naive', False)])
    ceiling = interleaved(model, builders, engines, args.chunk_size, shape)
    print(f"MMLU PPL, {len(args.subjects)} subjects x {args.questions} questions, 5-shot, {args.threads} threads, "
          f"batch_size={batch_size}; ceiling {ceiling:.0f} tokens/s (plain {best} forwards, interleaved)")
    print(f"{'engine':<10} {'computed tok':>12} {'padded tok':>10} {'forwards':>8} {'wall s':>8} "
          f"{'tok/s':>7} {'of ceiling':>10}")
    summary: dict[str, Any] = {'ceiling_tokens_per_s': ceiling, 'roofline_grid': grid}
    for engine in engines:
        r = summary[engine.name] = engine.summary()
        print(f"{engine.name:<10} {r['computed_tokens']:>12} {r['padded_tokens']:>10} {r['forwards']:>8} "
              f"{r['wall_s']:>8.1f} {r['tokens_per_s']:>7.0f} {r['tokens_per_s'] / ceiling:>10.0%}")
    if len(engines) == 2:
        summary.update(compare(engines[1], engines[0]), speedup=engines[1].wall_s / engines[0].wall_s)
        print(f"speedup {summary['speedup']:.1f}x; max |score diff| {summary['max_abs_score_diff']:.2e}; "
              f"predictions agree {summary['prediction_agreement']:.0%}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
