"""Provenance records: what produced a result, so a number can be compared months later.

A result file (``results/<model>/<dataset>.json``) gets ``provenance``: software
versions and git commit, the model (path, the folder it loads from, identity hash),
the data files read with their digests, the prediction fingerprint, seeds, the run's
command line (secrets redacted), the machine and the run's start and the result's
end time.  A summary gets the run-level part plus each model's identity and each
dataset's files, gathered from the results it summarises (``summary/provenance.json``,
and a few footer lines in the text and markdown tables).
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.provenance.data_files import data_digests, dataset_files
from evalkit.provenance.invocation import iso_time, run_command, run_started
from evalkit.provenance.machine import machine
from evalkit.provenance.model_identity import identity_hash, model_identities, resolve_local_folder
from evalkit.provenance.versions import software_versions


def seeds(*cfgs: Mapping[str, Any], where: str = '') -> dict[str, Any]:
    """Every ``seed``/``*_seed`` key in the configs, by key path ({} when nothing random is seeded:
    evalkit decodes greedily and its retrievers are deterministic unless a config says otherwise)."""
    found: dict[str, Any] = {}
    for cfg in cfgs:
        for key, value in cfg.items():
            path = f'{where}.{key}' if where else str(key)
            if isinstance(value, Mapping):
                found.update(seeds(value, where=path))
            elif str(key) == 'seed' or str(key).endswith('_seed'):
                found[path] = value
    return found


def model_record(model_cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Path, the local folder it loads from, and the identity hash of its files."""
    path = model_cfg.get('path')
    if not path:
        return {'abbr': model_cfg.get('abbr'), 'type': str(model_cfg.get('type')), 'path': None}
    revision = (model_cfg.get('model_kwargs') or {}).get('revision')
    folder = resolve_local_folder(path, revision)
    return {'abbr': model_cfg.get('abbr'), 'path': path, 'local_folder': str(folder) if folder else None,
            'revision': revision, 'identity': identity_hash(model_identities(model_cfg))}


def run_record() -> dict[str, Any]:
    """What every record shares: versions, command, machine, start and end time."""
    return {**software_versions(), 'command': run_command(), 'machine': machine(),
            'started': run_started(), 'finished': iso_time(time.time())}


def result_provenance(model_cfg: Mapping[str, Any], dataset_cfg: Mapping[str, Any],
                      prediction_fingerprint: str) -> dict[str, Any]:
    files = dataset_files(dataset_cfg)
    digests = data_digests(files)
    return {**run_record(), 'model': model_record(model_cfg),
            'data_files': {str(files[key]): digest for key, digest in digests.items()},
            'prediction_fingerprint': prediction_fingerprint, 'seeds': seeds(model_cfg, dataset_cfg)}


def summary_provenance(results: Mapping[tuple[str, str], Mapping[str, Any] | None]) -> dict[str, Any]:
    """The run-level record plus, from each (model, dataset) result, its model and data files."""
    models: dict[str, Any] = {}
    datasets: dict[str, Any] = {}  # 'data' in the record: 'datasets' is the library's version
    for (model, dataset), result in results.items():
        own = (result or {}).get('provenance') or {}
        if own:
            models.setdefault(model, own.get('model'))
            datasets.setdefault(dataset, {'data_files': own.get('data_files'), 'seeds': own.get('seeds')})
    return {**run_record(), 'models': models, 'data': datasets}


def provenance_footer(record: Mapping[str, Any], model_abbrs: Sequence[str]) -> list[str]:
    """A few lines for the bottom of a text summary; the full record is in provenance.json."""
    git = record.get('git')
    commit = f", git {git['commit'][:10]}{' (modified)' if git['dirty'] else ''}" if git else ''
    host = record['machine']
    gpus = ', '.join(host['gpus']) or 'no GPU'
    lines = [f"evalkit {record['evalkit']}{commit}, engine {record['engine_version']}; python {record['python']}, "
             f"torch {record['torch']}, transformers {record['transformers']}, datasets {record['datasets']}"]
    for abbr in model_abbrs:
        model = record['models'].get(abbr)
        if model:
            lines.append(f"model {abbr}: {model.get('path')} (identity {model.get('identity')})")
    lines.append(f"{host['cpu']}, {host['cores']} cores, {gpus}; {record['started']} -> {record['finished']}")
    lines.append(f"command: {' '.join(record['command'])}")
    return lines
