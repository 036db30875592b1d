"""List model and dataset configs whose names match any of the given patterns.

    evalkit list-configs                      # everything (python tools/list_configs.py in a checkout)
    evalkit list-configs smollm ceval         # names containing 'smollm' or 'ceval'
    evalkit list-configs 'mmlu_*'             # shell wildcards work too
"""
from __future__ import annotations

import argparse
import sys

from tabulate import tabulate

from evalkit.config import config_index
from evalkit.config.errors import ConfigError
from evalkit.resources import is_checkout


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('patterns', nargs='*', help='substrings or wildcards to match against config names')
    args = parser.parse_args(argv)
    try:
        found = {kind: config_index.matching(kind, args.patterns) for kind in config_index.KINDS}
    except ConfigError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    # Paths relative to the checkout (configs/...), or in full for an installed evalkit: configs given by
    # name need no path, and a full one can be copied and edited.
    root = config_index.CONFIG_ROOT.parent if is_checkout() else None
    for kind, configs in found.items():
        rows = [[name, path.relative_to(root) if root else path] for name, path in configs.items()]
        print(tabulate(rows, headers=[f'{kind[:-1].capitalize()}', 'Config Path'], tablefmt='psql'))
    if not any(found.values()):
        print(f"No config matches {' '.join(args.patterns)}.", file=sys.stderr)
        return 1
    return 0
