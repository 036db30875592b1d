"""The ``evalkit`` command installed with the package: one word per tool, as peers do.

    evalkit run ...            the same flags as ``python run.py``
    evalkit viz ...            ``run -m viz``: rebuild the summary (and report) of an earlier run (-r)
    evalkit list-configs ...   find model and dataset configs by name
    evalkit perf ...           stress-test an OpenAI-compatible endpoint (``tools/perf.py``)

Each subcommand imports its module only when chosen, so ``evalkit list-configs`` stays quick.
"""
from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    module: str
    summary: str
    prefix: tuple[str, ...] = ()  # arguments put before the user's (viz = run -m viz)
    takes_prog: bool = False

    def run(self, name: str, argv: Sequence[str]) -> int:
        main: Callable[..., int] = importlib.import_module(self.module).main
        args = [*self.prefix, *argv]
        return main(args, prog=f'evalkit {name}') if self.takes_prog else main(args)


SUBCOMMANDS = {
    'run': Subcommand('evalkit.cli.main', 'evaluate models (the flags of `python run.py`; see `evalkit run -h`)'),
    'viz': Subcommand('evalkit.cli.main', 'summary and report of an earlier run: evalkit viz -r [TIMESTAMP] ...',
                      prefix=('-m', 'viz')),
    'list-configs': Subcommand('evalkit.cli.list_configs', 'model and dataset configs whose names match patterns',
                               takes_prog=True),
    'perf': Subcommand('evalkit.perf.cli', 'stress-test an OpenAI-compatible endpoint (see `evalkit perf -h`)'),
}


def usage() -> str:
    width = max(map(len, SUBCOMMANDS))
    lines = ['usage: evalkit COMMAND [ARGS ...]', '', 'commands:']
    lines += [f'  {name:<{width}}  {cmd.summary}' for name, cmd in SUBCOMMANDS.items()]
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ''
        print(f"evalkit: error: unknown command '{name}'.{hint}\n\n{usage()}", file=sys.stderr)
        return 2
    return SUBCOMMANDS[name].run(name, rest)


if __name__ == '__main__':
    sys.exit(main())
