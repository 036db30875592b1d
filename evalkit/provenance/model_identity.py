"""What a model *is*, as far as its predictions are concerned, computed without loading it.

A model folder is known by the digests of the files ``from_pretrained`` reads: configs,
tokenizer files, any remote code, and the weights (size, safetensors header and sampled
blocks; see ``file_hashes``).  Documentation and VCS files are left out, so editing a
README re-runs nothing.  ``embedded:NAME`` is known by the folder it resolves to
(converted on first use, exactly as the task would, so the main process and the task
agree).  A hub id is known by its snapshot in the local Hugging Face cache when there
is one, and otherwise by the id and revision alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.config.plain import content_hash
from evalkit.models.embedded import EMBEDDED_PREFIX, resolve_model_path
from evalkit.provenance.file_hashes import model_file_digest

WEIGHT_SUFFIXES = ('.safetensors', '.bin', '.pt', '.pth', '.gguf', '.h5', '.msgpack', '.ckpt')
_IGNORED_SUFFIXES = ('.md', '.lock', '.partial', '.tmp')
_IGNORED_PREFIXES = ('.', 'README', 'LICENSE', 'LICENCE', 'NOTICE')


def _counts(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(_IGNORED_PREFIXES) and path.suffix not in _IGNORED_SUFFIXES


def folder_identity(folder: Path) -> dict[str, str]:
    """File name -> digest for every file of a model folder that can change what it predicts."""
    return {p.name: model_file_digest(p) for p in sorted(Path(folder).iterdir()) if _counts(p)}


def _hub_snapshot(hub_id: str, revision: str | None) -> Path | None:
    """The hub id's folder in the local Hugging Face cache, if it is there (never downloads)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(hub_id, 'config.json', revision=revision)
    except Exception:  # a malformed id or an unusable cache: identify by name instead
        return None
    return Path(found).parent if isinstance(found, str) else None


def resolve_local_folder(path: str, revision: str | None = None) -> Path | None:
    """The local folder a model path loads from (an embedded model is converted if needed), else None."""
    if path.startswith(EMBEDDED_PREFIX):
        return Path(resolve_model_path(path))
    if Path(path).is_dir():
        return Path(path).resolve()
    return _hub_snapshot(path, revision)


def model_identity(path: str, revision: str | None = None) -> dict[str, Any]:
    """Digests of the model's files, or ``{'hub_id', 'revision'}`` when no local copy exists."""
    folder = resolve_local_folder(path, revision)
    if folder is None:
        return {'hub_id': path, 'revision': revision or 'main'}
    return folder_identity(folder)


def model_identities(model_cfg: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{'model': identity}``, plus ``'tokenizer'`` when the tokenizer comes from elsewhere."""
    if model_cfg.get('base_url') or model_cfg.get('serve'):  # an API model: host, name, what the server reports
        from evalkit.models.openai_api.identity import api_identity
        return {'model': api_identity(model_cfg)}
    revision = (model_cfg.get('model_kwargs') or {}).get('revision')
    identities = {'model': model_identity(model_cfg['path'], revision)}
    tokenizer = model_cfg.get('tokenizer_path')
    if tokenizer and tokenizer != model_cfg['path']:
        identities['tokenizer'] = model_identity(tokenizer, (model_cfg.get('tokenizer_kwargs') or {}).get('revision'))
    return identities


def identity_hash(identity: Mapping[str, Any]) -> str:
    """The short hash of an identity, as results and summaries show it."""
    return content_hash(identity, length=16)


def is_weights_file(name: str) -> bool:
    return name.endswith(WEIGHT_SUFFIXES) or name.endswith('.index.json')
