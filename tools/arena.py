"""Arena ratings from a file of pairwise verdicts, without a run folder.

    python tools/arena.py OUTCOMES.jsonl [--baseline MODEL] [--out DIR] [--rounds 100] [--seed 0]
                          [--tie-weight 0.5]

Each line of OUTCOMES.jsonl is {"model_a": ..., "model_b": ..., "winner": "model_a" | "model_b" | "tie"}
(what a pairwise judge decided, from any source).  Prints the leaderboard and writes
arena_ratings.{csv,md} and plots/arena_ratings.png under --out (default: next to the input file).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.config.errors import ConfigError  # noqa: E402
from evalkit.datasets.base import read_jsonl_rows  # noqa: E402
from evalkit.subjective.arena import PairOutcome, arena_ratings, write_arena_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Bradley-Terry arena ratings from a JSONL file of pairwise verdicts.')
    parser.add_argument('outcomes', type=Path, help='JSONL: model_a, model_b, winner (model_a|model_b|tie)')
    parser.add_argument('--baseline', help='model pinned at the initial rating (default: the mean is pinned)')
    parser.add_argument('--out', type=Path, help='folder for arena_ratings.{csv,md} and plots/ (default: beside input)')
    parser.add_argument('--rounds', type=int, default=100, help='bootstrap rounds for the 95%% intervals')
    parser.add_argument('--seed', type=int, default=0, help='bootstrap seed')
    parser.add_argument('--tie-weight', type=float, default=0.5, help='share of a win a tie gives each side')
    args = parser.parse_args(argv)
    try:
        rows = read_jsonl_rows(args.outcomes, ['model_a', 'model_b', 'winner'])
        outcomes = [PairOutcome(str(r['model_a']), str(r['model_b']), r['winner']) for r in rows]
        table = arena_ratings(outcomes, baseline=args.baseline, bootstrap_rounds=args.rounds, seed=args.seed,
                              tie_weight=args.tie_weight)
    except (ConfigError, ValueError, OSError) as exc:
        print(f'arena: error: {args.outcomes}: {exc}', file=sys.stderr)
        return 2
    written = write_arena_report(table, args.out or args.outcomes.parent)
    print(written[1].read_text(encoding='utf-8'))
    print('Written: ' + ', '.join(str(p) for p in written))
    return 0


if __name__ == '__main__':
    sys.exit(main())
