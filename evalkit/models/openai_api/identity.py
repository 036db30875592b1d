"""What an API model is, for prediction fingerprints: where it is served, under which name, and what
the server says it serves (``GET /v1/models``: the model's root folder or id, its context length).

The key is never part of it (it only proves who may ask).  A server evalkit starts itself
(``serve``, from ``--accelerator vllm``) is known by the files of the model folder it serves.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from evalkit.config.errors import ConfigError
from evalkit.config.secrets import resolve_env_references

# Fields of a /v1/models entry that change without the model changing.
_VOLATILE = ('created', 'permission')


def served_identity(model_cfg: Mapping[str, Any]) -> dict[str, Any]:
    from evalkit.provenance.model_identity import folder_identity, resolve_local_folder
    from evalkit.serving.vllm_venv import VLLM_SPEC

    serve = model_cfg['serve']
    folder = resolve_local_folder(serve['model'])
    files = folder_identity(folder) if folder is not None else {'model': serve['model']}
    return {**files, 'server': VLLM_SPEC, 'api': model_cfg.get('api', 'chat')}


def api_identity(model_cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Host, served name and the server's own description of that model (when it answers)."""
    if model_cfg.get('serve'):
        return served_identity(model_cfg)
    base_url, name = str(model_cfg['base_url']), model_cfg['path']
    identity: dict[str, Any] = {'host': urlsplit(base_url).netloc, 'model': name}
    try:
        key = model_cfg.get('key')
        headers = {'Authorization': f"Bearer {resolve_env_references(key, 'model.key')}"} if key else {}
        listed = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=10).json()
        entry = next((m for m in listed.get('data', []) if m.get('id') == name), None)
    except (httpx.HTTPError, ValueError, AttributeError, ConfigError):
        entry = None  # the server is down or the key unset here: the task itself will say so
    if entry is not None:
        identity['served'] = {k: v for k, v in entry.items() if k not in _VOLATILE}
    return identity
