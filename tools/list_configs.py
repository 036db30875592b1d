"""List model and dataset configs whose names match any of the given patterns.

    python tools/list_configs.py                 # everything
    python tools/list_configs.py smollm ceval    # names containing 'smollm' or 'ceval'
    python tools/list_configs.py 'mmlu_*'        # shell wildcards work too
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tabulate import tabulate  # noqa: E402

from evalkit.config import config_index  # noqa: E402
from evalkit.config.errors import ConfigError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('patterns', nargs='*', help='substrings or wildcards to match against config names')
    args = parser.parse_args(argv)
    try:
        found = {kind: config_index.matching(kind, args.patterns) for kind in config_index.KINDS}
    except ConfigError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    root = config_index.CONFIG_ROOT.parent
    for kind, configs in found.items():
        rows = [[name, path.relative_to(root)] for name, path in configs.items()]
        print(tabulate(rows, headers=[f'{kind[:-1].capitalize()}', 'Config Path'], tablefmt='psql'))
    if not any(found.values()):
        print(f"No config matches {' '.join(args.patterns)}.", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
