"""The process entry shared by every task kind: load the spec, run, report errors plainly."""
from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from evalkit.config.errors import ConfigError
from evalkit.tasks.spec import TaskSpec


def task_main(run: Callable[[TaskSpec], None], argv: list[str] | None = None) -> int:
    """``python -m evalkit.tasks.<kind> SPEC.json``; exit 0 only when the task finished."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print('usage: python -m evalkit.tasks.<infer|evaluate> SPEC.json', file=sys.stderr)
        return 2
    try:
        run(TaskSpec.load(Path(args[0])))
    except ConfigError as exc:
        print(f'ERROR: {exc}', file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0
