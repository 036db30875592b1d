"""The command that started a run, and when, passed on to the run's task processes.

Tasks run as ``python -m evalkit.tasks.<kind> SPEC`` (locally or as Slurm jobs), whose
own command line says nothing about the run; the CLI therefore exports the user's
command (secrets redacted) and the start time in the environment, which every task
inherits.  Run outside the CLI, a process records its own command line.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone

from evalkit.config.secrets import ENV_PREFIX, REDACTED, is_secret_name

COMMAND_ENV = 'EVALKIT_RUN_COMMAND'
STARTED_ENV = 'EVALKIT_RUN_STARTED'
_PROCESS_STARTED = time.time()
# Flags whose value is a credential although their name does not say so (a webhook URL lets anyone post).
SECRET_FLAGS = frozenset({'notify_url'})


def iso_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat(timespec='seconds')


def _flag_name(token: str) -> str:
    return token.lstrip('-').replace('-', '_')


def _is_secret_flag(name: str) -> bool:
    return is_secret_name(name) or name in SECRET_FLAGS


def redact_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` with the value of every secret-looking ``key=value`` or ``--secret-flag value`` replaced
    (``ENV:`` references name a variable, not its value, and are kept)."""
    redacted: list[str] = []
    after_secret_flag = False
    for token in argv:
        name, sep, value = token.partition('=')
        if after_secret_flag and not token.startswith(('-', ENV_PREFIX)):
            token = REDACTED
        elif sep and value and not value.startswith(ENV_PREFIX) and _is_secret_flag(_flag_name(name.rsplit('.', 1)[-1])):
            token = f'{name}={REDACTED}'
        redacted.append(token)
        after_secret_flag = token.startswith('-') and not sep and _is_secret_flag(_flag_name(token))
    return redacted


def announce_run(argv: Sequence[str]) -> None:
    """Record this run's command line and start time for the task processes it starts."""
    os.environ[COMMAND_ENV] = json.dumps(redact_argv(['run.py', *argv]))
    os.environ[STARTED_ENV] = iso_time(time.time())


def run_command() -> list[str]:
    """The run's command line (redacted): the CLI's when it announced one, else this process's."""
    try:
        return json.loads(os.environ[COMMAND_ENV])
    except (KeyError, ValueError):
        return redact_argv([sys.executable, *sys.argv])


def run_started() -> str:
    """When the run (or, outside the CLI, this process) started, ISO 8601 UTC."""
    return os.environ.get(STARTED_ENV) or iso_time(_PROCESS_STARTED)
