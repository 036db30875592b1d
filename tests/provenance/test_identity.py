"""Model and data identity: what the prediction fingerprint hashes, how it notices changes, and what it costs."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from evalkit.models.embedded import prepare_embedded_model
from evalkit.provenance import file_hashes
from evalkit.provenance.data_files import dataset_files
from evalkit.provenance.model_identity import folder_identity, model_identity
from evalkit.tasks.fingerprint import Fingerprint, compute_fingerprint, rerun_reason
from tests.conftest import PROJECT_ROOT

CEVAL_LAW = dict(abbr='ceval-law', type='CEvalDataset', path='ceval', name='law',
                 reader_cfg=dict(input_columns=['question'], output_column='answer'),
                 infer_cfg=dict(inferencer=dict(type='PPLInferencer')))


@pytest.fixture
def fresh_hash_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty digest cache (in memory and on disk), so every file is really hashed."""
    path = tmp_path / 'file-hashes.json'
    monkeypatch.setattr(file_hashes, '_cache', file_hashes._DigestCache(path))
    return path


def linked_model_copy(target: Path) -> Path:
    """The embedded model's folder under ``target``: weights hard-linked (0.5 GB, never written), small files copied."""
    source = prepare_embedded_model()
    target.mkdir()
    for file in source.iterdir():
        if file.stat().st_size > file_hashes.WHOLE_FILE_LIMIT:
            os.link(file, target / file.name)
        else:
            shutil.copy2(file, target / file.name)
    return target


def test_config_edit_changes_only_that_file_and_says_so(tmp_path: Path, fresh_hash_cache: Path) -> None:
    model = linked_model_copy(tmp_path / 'model')
    before = folder_identity(model)
    assert {'config.json', 'model.safetensors', 'tokenizer.json'} <= set(before)
    config = json.loads((model / 'config.json').read_text())
    config['_comment'] = 'same weights, same numerics'  # transformers keeps unknown keys as attributes
    (model / 'config.json').write_text(json.dumps(config))
    after = folder_identity(model)
    assert {k for k in before if before[k] != after[k]} == {'config.json'}

    model_cfg = dict(type='HuggingFaceCausalLM', abbr='m', path=str(model))
    old = compute_fingerprint(model_cfg, CEVAL_LAW)
    (model / 'README.md').write_text('documentation never changes a prediction')
    assert compute_fingerprint(model_cfg, CEVAL_LAW) == old
    (model / 'generation_config.json').write_text('{"do_sample": false}')
    new = compute_fingerprint(model_cfg, CEVAL_LAW)
    assert new.digest != old.digest
    assert rerun_reason(old.components, new) == 'model files changed (generation_config.json)'


def test_weights_digest_sees_header_and_values_without_reading_the_whole_file(tmp_path: Path,
                                                                               fresh_hash_cache: Path) -> None:
    weights = tmp_path / 'model.safetensors'
    tensor = torch.zeros(3 << 20)  # 12 MiB of float32: above the whole-file limit, so sampled
    save_file({'w': tensor}, str(weights), metadata={'format': 'pt'})
    first = file_hashes.model_file_digest(weights)
    assert first.startswith('sampled-sha256:')

    save_file({'w': tensor}, str(weights), metadata={'format': 'pt', 'note': 'header only'})
    header_changed = file_hashes.model_file_digest(weights)
    assert header_changed != first

    tensor += 1e-3  # a fine-tune: every value moves, shapes and header stay
    save_file({'w': tensor}, str(weights), metadata={'format': 'pt', 'note': 'header only'})
    values_changed = file_hashes.model_file_digest(weights)
    assert values_changed not in (first, header_changed)
    reason = rerun_reason({'model': {'model.safetensors': first}},
                          Fingerprint({'model': {'model.safetensors': values_changed}}))
    assert reason == 'model weights changed (model.safetensors)'


def test_same_size_edit_with_restored_mtime_is_still_seen(tmp_path: Path, fresh_hash_cache: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for split in ('dev', 'val'):
        (tmp_path / 'ceval' / split).mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / 'data' / 'ceval' / split / f'law_{split}.csv', tmp_path / 'ceval' / split)
    monkeypatch.setenv('EVALKIT_DATA_ROOT', str(tmp_path))
    files = dataset_files(CEVAL_LAW)
    assert files == {'ceval/dev/law_dev.csv': tmp_path / 'ceval/dev/law_dev.csv',
                     'ceval/val/law_val.csv': tmp_path / 'ceval/val/law_val.csv'}
    before = compute_fingerprint({}, CEVAL_LAW)
    val = files['ceval/val/law_val.csv']
    stat = val.stat()
    data = bytearray(val.read_bytes())
    last_answer = data.rstrip().rfind(b',') + 1
    data[last_answer:last_answer + 1] = b'A' if data[last_answer:last_answer + 1] != b'A' else b'B'
    val.write_bytes(bytes(data))  # one answer changed, same size
    os.utime(val, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime put back
    after = compute_fingerprint({}, CEVAL_LAW)
    assert after.digest != before.digest
    assert rerun_reason(before.components, after) == 'data file changed: ceval/val/law_val.csv'
    assert json.loads(fresh_hash_cache.read_text())  # digests are kept for the next process


def test_hub_id_without_local_copy_is_known_by_id_and_revision() -> None:
    assert model_identity('someone/not-a-real-model-xyz', 'v1') == {'hub_id': 'someone/not-a-real-model-xyz',
                                                                    'revision': 'v1'}


def test_fingerprint_cost_on_the_embedded_model(fresh_hash_cache: Path) -> None:
    """Every reuse check hashes the model and data again: cold it must stay well under a second, warm ~ms."""
    model_cfg = dict(type='HuggingFaceCausalLM', abbr='m', path='embedded:smollm2-135m-instruct')
    prepare_embedded_model()  # conversion on a fresh machine is not what is measured
    compute_fingerprint({}, CEVAL_LAW)  # imports the loader registry once
    start = time.perf_counter()
    cold = compute_fingerprint(model_cfg, CEVAL_LAW)
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(10):
        assert compute_fingerprint(model_cfg, CEVAL_LAW) == cold
    warm_s = (time.perf_counter() - start) / 10
    print(f'fingerprint of the embedded model + ceval-law: cold {cold_s * 1000:.0f} ms, warm {warm_s * 1000:.1f} ms')
    assert cold_s < 0.5
    assert warm_s < 0.05
