"""Running model-written code is opt-in: a run that would do it without consent stops before inference."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.registry import EVALUATORS, resolve_type

CONSENT_KEY = 'allow_code_execution'


def datasets_running_code(datasets: list[Mapping[str, Any]]) -> list[str]:
    """Abbrs of the datasets whose evaluator executes the model's answers (``runs_model_code``)."""
    return [ds['abbr'] for ds in datasets if 'eval_cfg' in ds  # judged datasets have no evaluator
            if getattr(resolve_type(ds['eval_cfg']['evaluator']['type'], EVALUATORS, ds['abbr']),
                       'runs_model_code', False)]


def check_code_execution_consent(cfg: Mapping[str, Any], source: str) -> None:
    """Refuse, before any model loads, a run that would execute model-written code without
    ``allow_code_execution=True`` in the config or ``--allow-code-execution`` on the command line."""
    allowed = cfg.get(CONSENT_KEY, False)
    if not isinstance(allowed, bool):
        raise ConfigError(f'{source}: {CONSENT_KEY}: expected True or False, got {allowed!r}.')
    running = datasets_running_code(list(cfg['datasets']))
    if running and not allowed:
        names = ', '.join(running[:5]) + (f' and {len(running) - 5} more' if len(running) > 5 else '')
        raise ConfigError(
            f'{source}: dataset(s) {names} score answers by executing the code the model writes. That code is '
            f'untrusted: evalkit runs it in a sandbox (its own process with CPU, memory, process and file-size '
            f'limits, an empty environment, no network and another user where this machine allows it), but no '
            f'sandbox is perfect, and a hostile or broken program could still harm this machine. Run it only on a '
            f'machine you can afford to lose, then opt in with --allow-code-execution on the command line or '
            f'{CONSENT_KEY}=True in the config.')
