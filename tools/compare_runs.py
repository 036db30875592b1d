"""Compare run folders: scores side by side, deltas against the first run, and the questions whose
verdict changed.  Runs compare only where their dataset versions and data files match; where they do
not, the numbers are shown and marked not comparable, with the reason.

    python tools/compare_runs.py outputs/demo/20261201_101500 outputs/demo/20261202_093000
    python tools/compare_runs.py RUN_DIR RUN_DIR ... --html comparison.html
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.atomic import write_text_atomic  # noqa: E402
from evalkit.config.errors import ConfigError  # noqa: E402
from evalkit.report.compare_render import to_html, to_markdown  # noqa: E402
from evalkit.report.compare_runs import compare  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('runs', nargs='+', type=Path, metavar='RUN_DIR', help='run folders; the first is the baseline')
    parser.add_argument('--html', type=Path, metavar='FILE', help='also write a self-contained HTML page here')
    args = parser.parse_args(argv)
    if len(args.runs) < 2:
        parser.error('give at least two run folders to compare')
    try:
        comparison = compare(args.runs)
    except ConfigError as exc:
        print(f'compare_runs: error: {exc}', file=sys.stderr)
        return 2
    print(to_markdown(comparison))
    if args.html:
        write_text_atomic(args.html, to_html(comparison))
        print(f'HTML written to {args.html}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
