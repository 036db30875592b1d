"""Content keys: what decides whether stored predictions can be reused, and a prompt's version.

Reuse is keyed by everything that shapes a prediction, never by names: the model's
settings and identity (its files' digests, see ``evalkit.provenance.model_identity``),
the dataset's config (reader, prompt templates, retriever, inferencer), the sentence
encoder a similarity retriever picks in-context examples with, the bytes of the data
files it reads, and the code that computes the numbers: the evalkit version,
``ENGINE_VERSION``, torch and transformers.  Settings that cannot change an answer
(names, batch size, how the task is scheduled) are left out.

A fingerprint keeps its components, not only their hash: the prediction metadata
stores them, so ``-r`` can say *why* a dataset runs again (``rerun_reason``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import evalkit
from evalkit.config.plain import content_hash
from evalkit.provenance.data_files import data_digests, dataset_files
from evalkit.provenance.model_identity import is_weights_file, model_identities
from evalkit.provenance.versions import engine_version, library_version
from evalkit.registry import RETRIEVERS, resolve_type

_MODEL_KEYS_WITHOUT_EFFECT = ('abbr', 'batch_size', 'run_cfg')
_DATASET_KEYS_WITHOUT_EFFECT = ('abbr', 'eval_cfg', 'summary_groups', 'judge_cfg')  # judging reads answers
_VERSIONED = (('evalkit', 'evalkit version'), ('engine', 'engine version'), ('torch', 'torch version'),
              ('transformers', 'transformers version'))


@dataclass(frozen=True)
class Fingerprint:
    """The components of a prediction key (JSON-able) and their hash, the key itself."""

    components: dict[str, Any]

    @property
    def digest(self) -> str:
        return content_hash(self.components, length=16)


def model_settings_hash(model_cfg: Mapping[str, Any]) -> str:
    """Hash of the model config minus what cannot change an answer (also keys loaded models)."""
    return content_hash({k: v for k, v in model_cfg.items() if k not in _MODEL_KEYS_WITHOUT_EFFECT}, length=16)


def compute_fingerprint(model_cfg: Mapping[str, Any], dataset_cfg: Mapping[str, Any]) -> Fingerprint:
    dataset = {k: v for k, v in dataset_cfg.items() if k not in _DATASET_KEYS_WITHOUT_EFFECT}
    identities = model_identities(model_cfg) if model_cfg.get('path') else {}
    return Fingerprint({
        'model_config': model_settings_hash(model_cfg),
        'dataset_config': content_hash(dataset, length=16),
        'evalkit': evalkit.__version__,
        'engine': engine_version(),
        'torch': library_version('torch'),
        'transformers': library_version('transformers'),
        **identities,
        **retriever_identity(dataset_cfg),
        'data': data_digests(dataset_files(dataset_cfg)),
    })


def retriever_identity(dataset_cfg: Mapping[str, Any]) -> dict[str, str]:
    """What the dataset's retriever declares beyond its config (``BaseRetriever.identity``)."""
    spec = ((dataset_cfg.get('infer_cfg') or {}).get('retriever') or {}).get('type')
    if spec is None:
        return {}
    from evalkit.openicl.retrievers.base import BaseRetriever

    retriever = resolve_type(spec, RETRIEVERS, f"{dataset_cfg.get('abbr')}: infer_cfg.retriever")
    return retriever.identity() if isinstance(retriever, type) and issubclass(retriever, BaseRetriever) else {}


def prediction_fingerprint(model_cfg: Mapping[str, Any], dataset_cfg: Mapping[str, Any]) -> str:
    return compute_fingerprint(model_cfg, dataset_cfg).digest


def _file_changes(what: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not changed:
        return []
    if what == 'data':
        return [f"data file {'changed' if k in old and k in new else 'added' if k in new else 'removed'}: {k}"
                for k in changed]
    kind = 'weights' if any(is_weights_file(k) for k in changed) else 'files'
    return [f"{what} {kind} changed ({', '.join(changed)})"]


def rerun_reason(stored: Mapping[str, Any] | None, current: Fingerprint) -> str:
    """Why predictions made under ``stored`` components are not reused under ``current``."""
    if not isinstance(stored, Mapping):
        return 'made by an older evalkit that did not record what shaped them'
    now = current.components
    reasons = [f'{label} changed {stored.get(key)} -> {now.get(key)}' for key, label in _VERSIONED
               if stored.get(key) != now.get(key)]
    if stored.get('model_config') != now.get('model_config'):
        reasons.append('model settings changed')
    if stored.get('dataset_config') != now.get('dataset_config'):
        reasons.append('dataset config changed (reader, prompt, retriever or inferencer)')
    if stored.get('encoder') != now.get('encoder'):
        reasons.append("the retriever's sentence encoder changed")
    for what in ('model', 'tokenizer', 'data'):
        reasons += _file_changes(what, stored.get(what) or {}, now.get(what) or {})
    return '; '.join(reasons) or 'made under another fingerprint'


def dataset_version(dataset_cfg: Mapping[str, Any]) -> str:
    """Short hash of the prompt-shaping config, shown as the 'version' column of summaries."""
    reader = {k: v for k, v in dataset_cfg.get('reader_cfg', {}).items() if k != 'limit'}
    # load_kwargs pick the data as path and name do, and circular copies change the questions asked; only
    # present keys count, so the versions of datasets without them stay as they were
    source = {key: dataset_cfg[key] for key in ('load_kwargs', 'circular') if key in dataset_cfg}
    return content_hash({'type': dataset_cfg.get('type'), 'path': dataset_cfg.get('path'),
                         'name': dataset_cfg.get('name'), 'reader_cfg': reader,
                         'infer_cfg': dataset_cfg.get('infer_cfg'), **source}, length=6)
