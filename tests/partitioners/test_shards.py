"""A dataset split across tasks: merged predictions equal an unsplit run's, and finished shards are reused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.tasks.completion import prediction_store
from evalkit.tasks.prediction_store import PredictionStore, read_records
from evalkit.tasks.shards import merge_shards
from evalkit.tasks.spec import TaskSpec
from tests.conftest import only_run_dir, requires_shared_mmlu, run_cli
from tests.fake_model import fake_config


def _store(path: Path, rows: range, total: int, fingerprint: str = 'fp', complete: bool = True) -> None:
    with PredictionStore(path, fingerprint) as store:
        store.path.parent.mkdir(parents=True, exist_ok=True)
        store.open_for_writing()
        store.append({'index': i, 'prediction': f'p{i}'} for i in rows)
        if complete:
            store.mark_complete(len(rows), total)


def _merged_store(run_dir: Path, abbr: str) -> PredictionStore:
    """The dataset's store as evaluation looks it up: keyed by the fingerprint of the task's real configs."""
    specs = [TaskSpec.load(p) for p in sorted((run_dir / 'configs' / 'tasks' / 'infer').rglob('*.json'))]
    dataset_cfg = next(ds for spec in specs for ds in spec.datasets if ds['abbr'] == abbr)
    spec = next(spec for spec in specs if dataset_cfg in spec.datasets)
    return prediction_store(spec, dataset_cfg)


def test_merge_needs_complete_shards_of_this_fingerprint_covering_every_row(tmp_path: Path) -> None:
    shards = tmp_path / 'ds.shards'
    target = PredictionStore(tmp_path / 'ds.jsonl', 'fp')
    _store(shards / '0-2.jsonl', range(0, 2), 5)
    _store(shards / '2-4.jsonl', range(2, 4), 5)
    _store(shards / '4-5.jsonl', range(4, 5), 5, complete=False)
    _store(tmp_path / 'old.shards' / '4-5.jsonl', range(4, 5), 5, fingerprint='other')
    assert not merge_shards(target, shards) and shards.is_dir()
    (tmp_path / 'old.shards' / '4-5.jsonl').rename(shards / 'x.jsonl')
    (tmp_path / 'old.shards' / '4-5.meta.json').rename(shards / 'x.meta.json')
    assert not merge_shards(target, shards)  # the missing row exists only under another fingerprint
    _store(shards / '4-5.jsonl', range(4, 5), 5)
    assert merge_shards(target, shards)
    assert target.is_complete() and not shards.exists()
    assert [r['index'] for r in read_records(target.path)] == [0, 1, 2, 3, 4]


@requires_shared_mmlu
@pytest.mark.slow
def test_mmlu_split_in_three_shards_predicts_exactly_what_an_unsplit_run_does(tmp_path: Path) -> None:
    config = 'tests/configs/mmlu_shard_slice.py'
    split = run_cli(config, '-w', str(tmp_path / 'split'), '-m', 'infer', '--max-num-workers', '2', '--cfg-options',
                    'infer.partitioner.type=NumWorkerPartitioner', 'infer.partitioner.num_worker=3')
    assert split.returncode == 0, split.stderr[-3000:]
    whole = run_cli(config, '-w', str(tmp_path / 'whole'), '-m', 'infer', '--cfg-options',
                    'infer.partitioner.type=NaivePartitioner')
    assert whole.returncode == 0, whole.stderr[-3000:]
    runs = {name: only_run_dir(tmp_path / name) for name in ('split', 'whole')}
    logs = sorted(p.name for p in (runs['split'] / 'logs' / 'infer').rglob('*.log'))
    assert logs == ['mmlu-abstract_algebra_0-2.log', 'mmlu-abstract_algebra_2-5.log', 'mmlu-abstract_algebra_5-8.log']
    predictions = {name: runs[name] / 'predictions' / 'smollm2-135m-hf' for name in runs}
    assert not list(predictions['split'].glob('*.shards'))  # merged, then removed
    merged, unsplit = (read_records(predictions[n] / 'mmlu-abstract_algebra.jsonl') for n in ('split', 'whole'))
    assert len(unsplit) == 8
    # Identical records, except that PPL scores may differ in float32 rounding (~1e-7): a row's
    # batch mates differ between the runs, and with them the shapes of the matrix products.
    assert [{k: v for k, v in r.items() if k != 'scores'} for r in merged] == \
        [{k: v for k, v in r.items() if k != 'scores'} for r in unsplit]
    for m, u in zip(merged, unsplit):
        assert m['scores'] == pytest.approx(u['scores'], rel=1e-6)
    metas = [json.loads((predictions[n] / 'mmlu-abstract_algebra.meta.json').read_text()) for n in runs]
    assert metas[0] == metas[1]
    # ... and they vouch for the fingerprint evaluation will ask for, not just any.
    assert all(_merged_store(runs[n], 'mmlu-abstract_algebra').is_complete() for n in runs)
    # Once merged, the shards' own files are gone, and their tasks still count as done.
    again = run_cli(config, '-w', str(tmp_path / 'split'), '-r', '--dry-run', '-m', 'infer', '--cfg-options',
                    'infer.partitioner.type=NumWorkerPartitioner', 'infer.partitioner.num_worker=3')
    assert 'infer: 0 task(s)' in again.stdout, again.stdout + again.stderr


def test_only_unfinished_shards_are_resubmitted(tmp_path: Path) -> None:
    """One row always fails: its task fails, and a rerun plans exactly that task again.  The datasets
    whose shards all finished are merged into what an unsplit run of the same config writes."""
    subjects, failing = ('law', 'logic', 'marxism'), dict(fail_on='[ceval-logic] 三段论', fail_times=99)
    runner = dict(type='LocalRunner', max_num_workers=2)
    config, unsplit_config = tmp_path / 'fake.py', tmp_path / 'fake_unsplit.py'
    config.write_text(fake_config(subjects=subjects, **failing, infer=dict(
        partitioner=dict(type='NumWorkerPartitioner', num_worker=2), runner=runner)), encoding='utf-8')
    # The same model (so the same fingerprint) on law, whole, in one task.
    unsplit_config.write_text(fake_config(subjects=('law',), **failing, infer=dict(
        partitioner=dict(type='NaivePartitioner'), runner=runner)), encoding='utf-8')
    first = run_cli(str(config), '-w', str(tmp_path / 'out'), '-m', 'infer')
    assert first.returncode == 1 and 'infer:fake/ceval-law_0-1+2more failed' in first.stderr
    unsplit = run_cli(str(unsplit_config), '-w', str(tmp_path / 'unsplit'), '-m', 'infer')
    assert unsplit.returncode == 0, unsplit.stderr[-3000:]
    runs = {name: only_run_dir(tmp_path / name) for name in ('out', 'unsplit')}
    # Both law shards finished (law_0-1 ran before the failing logic_0-1 in its task): merged.
    merged, whole = (_merged_store(runs[name], 'ceval-law') for name in ('out', 'unsplit'))
    assert merged.fingerprint == whole.fingerprint and merged.is_complete() and whole.is_complete()
    assert read_records(merged.path) == read_records(whole.path)
    assert [r['index'] for r in read_records(merged.path)] == [0, 1, 2]
    predictions = runs['out'] / 'predictions' / 'fake'
    assert not any(_merged_store(runs['out'], abbr).path.exists() for abbr in ('ceval-logic', 'ceval-marxism'))
    assert sorted(p.name for p in (predictions / 'ceval-logic.shards').glob('*.jsonl')) == ['0-1.jsonl', '1-3.jsonl']
    again = run_cli(str(config), '-w', str(tmp_path / 'out'), '-r', '--dry-run', '-m', 'infer')
    lines = again.stdout.splitlines()
    planned = lines[lines.index('infer: 1 task(s)'):]  # after the lines saying why work is redone
    assert planned[1].split()[0] == 'infer:fake/ceval-law_0-1+2more', lines
