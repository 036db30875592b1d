"""Keep API keys out of configs, dumps and logs.

Configs never hold a key itself: they name the environment variable that does
(``key='ENV:OPENAI_API_KEY'``), which is looked up only when the model is built,
inside the task; anything that still looks like a secret is redacted when a config
is written out.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from evalkit.config.errors import ConfigError

SECRET_KEY = re.compile(r'^(api_?key|key|token|secret|password|passwd|access_token|auth_token|hf_token)$'
                        r'|_(api_?key|secret|password)$', re.I)
REDACTED = '***redacted***'
ENV_PREFIX = 'ENV:'


def _is_secret_field(name: str, value: Any) -> bool:
    return isinstance(value, str) and bool(SECRET_KEY.search(name)) and not value.startswith(ENV_PREFIX)


def redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret_field(str(k), v) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def reject_literal_secrets(model_cfg: Mapping[str, Any], where: str) -> None:
    """Refuse a model config that spells out a secret (also inside model_kwargs and the like)."""
    for name, value in model_cfg.items():
        if isinstance(value, Mapping):
            reject_literal_secrets(value, f'{where}.{name}')
        elif _is_secret_field(str(name), value) and value:
            raise ConfigError(
                f"{where}.{name}: looks like a literal secret. Put it in an environment variable and write "
                f"{name}='ENV:VARIABLE_NAME' instead, so it never lands in dumped configs or logs.")


def resolve_env_references(value: Any, where: str) -> Any:
    """``'ENV:NAME'`` strings replaced by the variable's value, at the last moment (building the
    model), so the value exists only in the task's memory, never in a config or spec file."""
    if isinstance(value, Mapping):
        return {k: resolve_env_references(v, f'{where}.{k}') for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env_references(v, where) for v in value]
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        if name not in os.environ:
            raise ConfigError(f"{where}: refers to the environment variable {name} ({value!r}), which is not set. "
                              f"Export it in the shell that runs evalkit (Slurm jobs inherit it).")
        return os.environ[name]
    return value
