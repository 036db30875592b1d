"""How many rows go into one forward pass: a fixed number, or as many as memory allows.

``batch_size='auto'`` starts from a budget of the memory that is free (a quarter of
what the OS reports available, at most 1 GiB, on CPU - larger batches do not run
faster there; 60% of free GPU memory on CUDA), fills each batch while the estimated
peak stays within it and padding stays small (rows come widest first; a row narrower
than 80% of the first would be mostly padding), and halves the budget whenever a batch
still runs out of memory.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from evalkit.config.errors import ConfigError
from evalkit.models.backbone import Backbone

_CPU_BUDGET_CAP = 1 << 30
_MAX_ROWS = 256


def _available_bytes(device: torch.device) -> int:
    if device.type == 'cuda':
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * 0.6)
    try:
        with open('/proc/meminfo') as f:
            info = dict(line.split(':', 1) for line in f)
        available = int(info['MemAvailable'].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = 4 << 30
    return min(available // 4, _CPU_BUDGET_CAP)


class BatchSizer:
    """Splits width-sorted rows into batches and runs them, backing off when memory runs out."""

    def __init__(self, batch_size: int | str, backbone: Backbone) -> None:
        if batch_size != 'auto' and not (isinstance(batch_size, int) and batch_size > 0):
            raise ConfigError(f"batch_size must be a positive integer or 'auto', got {batch_size!r}.")
        self.batch_size = batch_size
        self.backbone = backbone
        self.budget = _available_bytes(backbone.device) if batch_size == 'auto' else 0

    def _take(self, widths: Sequence[int], past: int) -> int:
        """Rows of the next batch; ``widths`` start with the widest row (it sets the padded width)."""
        if isinstance(self.batch_size, int):
            return min(self.batch_size, len(widths))
        rows = 1
        while (rows < min(len(widths), _MAX_ROWS) and 5 * widths[rows] >= 4 * widths[0]
               and self.backbone.forward_bytes(rows + 1, widths[0], past) <= self.budget):
            rows += 1
        return rows

    def rows_for(self, width: int, past: int, available: int) -> int:
        """Rows of one batch whose rows are ``width`` own tokens after a ``past``-token prefix."""
        return self._take([width] * available, past)

    def run(self, widths: Sequence[int], past: int, step: Callable[[range], None]) -> None:
        """Call ``step`` on consecutive index ranges of ``widths`` (sorted widest first) covering them all."""
        start = 0
        while start < len(widths):
            rows = self._take(widths[start:], past)
            try:
                step(range(start, start + rows))
            except torch.OutOfMemoryError:
                if self.batch_size != 'auto' or rows == 1:
                    raise
                self.budget = self.backbone.forward_bytes(rows // 2, widths[start], past)
                if self.backbone.device.type == 'cuda':
                    torch.cuda.empty_cache()
                continue
            start += rows
