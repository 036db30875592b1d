"""``batch_size='auto'``: batches as large as the memory budget allows, never mixing very
different widths, and halving when the device still runs out of memory.

The budget and the out-of-memory failures are set by the test (there is no GPU here to run
out of); the estimate is the real model's ``Backbone.forward_bytes``.
"""
from __future__ import annotations

import pytest
import torch

from evalkit.config.errors import ConfigError
from evalkit.models import HuggingFaceCausalLM
from evalkit.models.engine.batching import BatchSizer, prefill_rows


def batches(sizer: BatchSizer, widths: list[int], past: int = 0,
            fits: int | None = None) -> list[range]:
    """The ranges ``sizer.run`` hands out; a batch of more than ``fits`` rows runs out of memory."""
    done: list[range] = []

    def step(rows: range) -> None:
        if fits is not None and len(rows) > fits:
            raise torch.OutOfMemoryError(f'{len(rows)} rows do not fit')
        done.append(rows)

    sizer.run(widths, past, step)
    return done


@pytest.fixture()
def auto(base_lm: HuggingFaceCausalLM) -> BatchSizer:
    return BatchSizer('auto', base_lm.scorer.backbone)


def test_auto_fills_each_batch_up_to_the_budget(auto) -> None:
    auto.budget = auto.backbone.forward_bytes(5, 100, 2000)
    assert [len(b) for b in batches(auto, [100] * 12, past=2000)] == [5, 5, 2]
    assert len(batches(auto, [100] * 12)[0]) > 5  # without the 2000-token prefix more rows fit


def test_auto_starts_a_new_batch_where_padding_would_dominate(auto) -> None:
    auto.budget = auto.backbone.forward_bytes(64, 100, 0)
    widths = [100, 95, 90, 85, 80, 60, 55, 50]
    assert [list(b) for b in batches(auto, widths)] == [[0, 1, 2, 3, 4], [5, 6, 7]]


def test_auto_halves_its_batches_when_memory_still_runs_out(auto) -> None:
    auto.budget = auto.backbone.forward_bytes(16, 100, 0)
    done = batches(auto, [100] * 16, fits=5)
    assert [i for b in done for i in b] == list(range(16))  # every row once, in order
    assert max(len(b) for b in done) <= 5
    assert auto.budget < auto.backbone.forward_bytes(16, 100, 0)


def test_a_fixed_batch_size_is_kept_and_out_of_memory_is_reported(base_lm) -> None:
    fixed = BatchSizer(4, base_lm.scorer.backbone)
    assert [len(b) for b in batches(fixed, [100, 10, 10, 10, 10, 10])] == [4, 2]
    with pytest.raises(torch.OutOfMemoryError):
        batches(fixed, [100] * 8, fits=2)


@pytest.mark.parametrize('value', [0, -1, 'big', 2.5])
def test_a_bad_batch_size_is_a_config_error(base_lm, value) -> None:
    with pytest.raises(ConfigError, match='batch_size'):
        BatchSizer(value, base_lm.scorer.backbone)


def test_memory_held_by_the_prefix_cache_counts_against_the_budget(base_lm) -> None:
    """A few-shot prefix cached for a whole subject leaves less room for batches (both live at once)."""
    held = {'bytes': 0}
    sizer = BatchSizer('auto', base_lm.scorer.backbone, reserved=lambda: held['bytes'])
    sizer.budget = sizer.backbone.forward_bytes(8, 100, 0)
    sizer.decode_budget = 16 * sizer.backbone.kv_bytes(600) + sizer.backbone.forward_bytes(prefill_rows(16), 600, 0)
    assert len(batches(sizer, [100] * 8)[0]) == 8 and sizer.decode_slots(600, 0, 64) == 16
    held['bytes'] = sizer.backbone.forward_bytes(4, 100, 0)
    assert len(batches(sizer, [100] * 8)[0]) < 8
    held['bytes'] = 8 * sizer.backbone.kv_bytes(600)
    assert sizer.decode_slots(600, 0, 64) < 16
