"""How partitioners split work: every row in exactly one task, tasks of balanced cost, eval never split."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from evalkit.config.loading import load_config
from evalkit.partitioners import NaivePartitioner, NumWorkerPartitioner, SizePartitioner
from evalkit.partitioners.base import even_ranges
from evalkit.partitioners.cost import GEN_TOKEN_COST, dataset_cost
from evalkit.tasks.spec import TaskSpec
from tests.conftest import PROJECT_ROOT

DEMO = load_config(PROJECT_ROOT / 'configs' / 'eval_demo.py')
MODEL = load_config(PROJECT_ROOT / 'configs' / 'models' / 'smollm2' / 'hf_smollm2_135m_instruct.py')['models'][0]


def _rows_covered(tasks: Sequence[TaskSpec]) -> Counter:
    """(dataset, row) -> how many tasks predict it."""
    covered: Counter = Counter()
    for task in tasks:
        for ds, rows in task.parts():
            span = range(*rows) if rows else range(dataset_cost(MODEL, ds).rows)
            covered.update((ds['abbr'], i) for i in span)
    return covered


def _assert_exact_cover(tasks: Sequence[TaskSpec], datasets: Sequence[Mapping[str, Any]]) -> None:
    covered = _rows_covered(tasks)
    expected = {(ds['abbr'], i) for ds in datasets for i in range(dataset_cost(MODEL, ds).rows)}
    assert set(covered) == expected and set(covered.values()) == {1}


def _task_cost(task: TaskSpec) -> float:
    return sum((rows[1] - rows[0] if rows else dataset_cost(MODEL, ds).rows) * dataset_cost(MODEL, ds).row_cost
               for ds, rows in task.parts())


@pytest.mark.parametrize('rows,shards', [(10, 3), (3, 3), (2, 5), (1, 1), (100, 7)])
def test_even_ranges_tile_the_rows(rows: int, shards: int) -> None:
    ranges = even_ranges(rows, shards)
    assert ranges[0][0] == 0 and ranges[-1][1] == rows
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    sizes = [stop - start for start, stop in ranges]
    assert len(ranges) == min(rows, shards) and max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_cost_counts_ppl_candidates_and_generation_length() -> None:
    gsm8k = next(ds for ds in DEMO['datasets'] if ds['abbr'] == 'gsm8k-demo')
    gen = gsm8k['infer_cfg']['inferencer']
    longer = dict(gsm8k, infer_cfg=dict(gsm8k['infer_cfg'], inferencer=dict(gen, max_out_len=512)))
    assert dataset_cost(MODEL, longer).row_cost == pytest.approx(dataset_cost(MODEL, gsm8k).row_cost + GEN_TOKEN_COST * 256)
    ppl = load_config(PROJECT_ROOT / 'configs' / 'datasets' / 'ceval' / 'ceval_ppl.py')['ceval_datasets'][0]
    two_labels = dict(ppl, infer_cfg=dict(ppl['infer_cfg'], inferencer=dict(ppl['infer_cfg']['inferencer'],
                                                                            labels=['A', 'B'])))
    ratio = dataset_cost(MODEL, ppl).row_cost / dataset_cost(MODEL, two_labels).row_cost
    assert ratio == pytest.approx(2.0, rel=0.05)  # four candidate prompts are read instead of two


def test_size_partitioner_splits_large_datasets_and_packs_small_ones() -> None:
    datasets = DEMO['datasets']
    gsm8k = dataset_cost(MODEL, datasets[-1])
    limit = int(gsm8k.total / 2.5)  # the GSM8K sample needs three shards; C-Eval subjects (3 rows) pack together
    tasks = SizePartitioner(max_task_size=limit).partition('infer', [MODEL], datasets, '/tmp/w')
    _assert_exact_cover(tasks, datasets)
    assert all(_task_cost(t) <= limit for t in tasks)
    gsm8k_parts = [rows for t in tasks for ds, rows in t.parts() if ds['abbr'] == 'gsm8k-demo']
    assert len(gsm8k_parts) == 3 and None not in gsm8k_parts
    total = sum(dataset_cost(MODEL, ds).total for ds in datasets)
    assert len(tasks) <= total / limit + 2  # packed close to the fewest tasks that fit


@pytest.mark.parametrize('workers', [1, 2, 3])
def test_size_partitioner_by_default_balances_two_tasks_per_worker(workers: int) -> None:
    tasks = SizePartitioner().partition('infer', [MODEL], DEMO['datasets'], '/tmp/w', num_workers=workers)
    _assert_exact_cover(tasks, DEMO['datasets'])
    assert len(tasks) == (1 if workers == 1 else 2 * workers)
    costs = [_task_cost(t) for t in tasks]
    assert costs == sorted(costs, reverse=True)  # heaviest first, so runners start it first
    assert max(costs) <= 1.15 * sum(costs) / len(costs)


def test_num_worker_partitioner_gives_each_task_a_slice_of_every_dataset() -> None:
    datasets = [ds for ds in DEMO['datasets'] if ds['abbr'] in ('ceval-law', 'ceval-logic', 'gsm8k-demo')]
    tasks = NumWorkerPartitioner(num_worker=3).partition('infer', [MODEL], datasets, '/tmp/w')
    _assert_exact_cover(tasks, datasets)
    assert len(tasks) == 3
    assert all(sorted(ds['abbr'] for ds in t.datasets) == sorted(d['abbr'] for d in datasets) for t in tasks)


@pytest.mark.parametrize('partitioner', [SizePartitioner(max_task_size=100), NumWorkerPartitioner(num_worker=4),
                                         NaivePartitioner(n=5)], ids=lambda p: type(p).__name__)
def test_evaluation_tasks_take_whole_datasets(partitioner: Any) -> None:
    datasets = DEMO['datasets'][:12]
    tasks = partitioner.partition('eval', [MODEL], datasets, '/tmp/w')
    assert all(not t.row_ranges for t in tasks)
    assert sorted(ds['abbr'] for t in tasks for ds in t.datasets) == sorted(ds['abbr'] for ds in datasets)
