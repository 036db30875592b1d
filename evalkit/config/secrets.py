"""Keep API keys out of configs, task specs, dumps and logs.

Configs never hold a key itself: they name the environment variable that does
(``key='ENV:OPENAI_API_KEY'``).  The reference is what every written file carries
(dumped configs, task specs, Slurm scripts); it is looked up only inside the task,
in memory, when the component that needs it is built.  A literal value under a
secret-looking name anywhere in a run config is refused before any work starts, and
anything that still looks like a secret is redacted whenever a config is written out.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from evalkit.config.errors import ConfigError

# The names people give credentials, matched whole (case-insensitive, '-' or '_' alike):
# ``api_key``, ``token``, ``use_auth_token``, HTTP ``Authorization`` / ``X-API-Key`` headers...
# and any name ending in ``_api_key``, ``_secret``, ``_password`` or ``_token`` of a credential
# (``hf_token``, ``openai_api_key``).  ``ice_token`` (a prompt placeholder) is not one of them.
SECRET_KEY = re.compile(
    r'^(?:x[-_])?(?:api[-_]?key|key|token|secret|password|passwd|authorization|proxy[-_]authorization|cookie'
    r'|access[-_]token|auth[-_]token|api[-_]token|bearer[-_]token|hf[-_]token|use[-_]auth[-_]token'
    r'|client[-_]secret|secret[-_]key|private[-_]key)$'
    r'|[-_](?:api[-_]?key|secret|password|access[-_]token|auth[-_]token)$', re.I)
REDACTED = '***redacted***'
ENV_PREFIX = 'ENV:'


def is_secret_name(name: str) -> bool:
    return bool(SECRET_KEY.search(name))


def _is_literal_secret(name: str, value: Any) -> bool:
    """A non-empty string under a secret name that is not an ``ENV:`` reference."""
    return isinstance(value, str) and bool(value) and is_secret_name(name) and not value.startswith(ENV_PREFIX)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every literal secret replaced (dicts, lists and tuples at any depth).

    ``ENV:`` references are kept: they name a variable, not its value."""
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_literal_secret(str(k), v) else redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    return value


def literal_secrets(value: Any, where: str) -> Iterator[str]:
    """Key paths (``where.models[0].model_kwargs.token``) of every literal secret in ``value``."""
    if isinstance(value, Mapping):
        for name, item in value.items():
            path = f'{where}.{name}'
            if _is_literal_secret(str(name), item):
                yield path
            else:
                yield from literal_secrets(item, path)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from literal_secrets(item, f'{where}[{i}]')


def reject_literal_secrets(cfg: Any, where: str) -> None:
    """Refuse a config section (dicts, lists and tuples at any depth) that spells out a secret
    instead of naming the environment variable holding it."""
    found = next(literal_secrets(cfg, where), None)
    if found is not None:
        name = found.rsplit('.', 1)[-1]
        raise ConfigError(
            f"{found}: looks like a literal secret. Put it in an environment variable and write "
            f"{name}='ENV:VARIABLE_NAME' instead, so it never lands in dumped configs, task files or logs.")


def resolve_env_references(value: Any, where: str) -> Any:
    """``'ENV:NAME'`` strings replaced by the variable's value, at the last moment (building the
    component inside the task), so the value exists only in the task's memory, never in a file."""
    if isinstance(value, Mapping):
        return {k: resolve_env_references(v, f'{where}.{k}') for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolve_env_references(v, f'{where}[{i}]') for i, v in enumerate(value))
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        if name not in os.environ:
            raise ConfigError(f"{where}: refers to the environment variable {name} ({value!r}), which is not set. "
                              f"Export it in the shell that runs evalkit (Slurm jobs inherit it).")
        return os.environ[name]
    return value
