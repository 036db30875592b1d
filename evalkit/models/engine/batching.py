"""How many rows go into one forward pass: a fixed number, or as many as memory allows.

``batch_size='auto'`` starts from a budget of the memory that is free (a quarter of
what is available, at most 1 GiB, on CPU - larger batches do not run faster there; 60%
of free GPU memory on CUDA), fills each batch while the estimated peak stays within it
and padding stays small (rows come widest first; a row narrower than 80% of the first
would be mostly padding), and halves the budget whenever a batch still runs out of
memory.  On CPU, "available" is the smaller of what the OS reports and what the
process's memory cgroup still allows (a container or Slurm job limit): there is no
out-of-memory exception to back off from there, only the kernel's OOM killer.  Keys and
values held by the prefix cache count against the same budget.

Generation is sized apart: its rows (*slots*) keep their keys and values for the whole
decode, so the budget there is the KV cache of all slots (at most 4 GiB on CPU, where a
decode step costs little more for 100 rows than for 8: the weights are read once per
step either way), capped at ``_MAX_DECODE_SLOTS``.  Many slots matter most at the end of a
job: a long answer admitted late decodes alone for hundreds of steps, so admitting every
prompt at once shortens that tail (GSM8K, 100 questions, up to 512 new tokens: all 100 in slots
under a 4 GiB budget took 185 s, 50 slots under 2 GiB 228 s, for the same text; 4.1 against 2.4
GiB peak).  With a fixed ``batch_size`` the
slots are exactly that many, as OpenCompass users expect.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from evalkit.config.errors import ConfigError
from evalkit.models.engine.backbone import Backbone

_CPU_BUDGET_CAP = 1 << 30
_CPU_DECODE_BUDGET_CAP = 4 << 30
_MAX_ROWS = 256
_MAX_DECODE_SLOTS = 128
# Prompts prefilled together when decode slots are filled: enough rows for an efficient forward.
_MIN_PREFILL_ROWS = 8


def prefill_rows(slots: int) -> int:
    """Prompts prefilled per forward when ``slots`` decode slots are (re)filled: an eighth of the
    slots, at least ``_MIN_PREFILL_ROWS`` (one-prompt forwards waste the machine), at most all."""
    return min(slots, max(_MIN_PREFILL_ROWS, slots // 8))


def _available_bytes(device: torch.device, cpu_cap: int = _CPU_BUDGET_CAP) -> int:
    if device.type == 'cuda':
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * 0.6)
    try:
        with open('/proc/meminfo') as f:
            info = dict(line.split(':', 1) for line in f)
        available = int(info['MemAvailable'].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = 4 << 30
    headroom = cgroup_headroom_bytes()
    if headroom is not None:
        available = min(available, headroom)
    return min(available // 4, cpu_cap)


def cgroup_headroom_bytes() -> int | None:
    """Bytes this process's memory cgroup still allows (limit minus usage), None without a limit.

    Reads cgroup v2 (``memory.max`` / ``memory.current``) or v1 (``memory.limit_in_bytes`` /
    ``memory.usage_in_bytes``) at the path ``/proc/self/cgroup`` names."""
    try:
        lines = Path('/proc/self/cgroup').read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(':', 2)
        if controllers == '':
            files, root = ('memory.max', 'memory.current'), Path('/sys/fs/cgroup')
        elif 'memory' in controllers.split(','):
            files, root = ('memory.limit_in_bytes', 'memory.usage_in_bytes'), Path('/sys/fs/cgroup/memory')
        else:
            continue
        folder = root / path.lstrip('/')
        try:
            limit, usage = ((folder / name).read_text().strip() for name in files)
        except OSError:
            continue
        if limit.isdigit() and int(limit) < 1 << 60:  # 'max' or a huge number: no limit
            return max(0, int(limit) - int(usage))
    return None


class BatchSizer:
    """Splits width-sorted rows into batches and runs them, backing off when memory runs out."""

    def __init__(self, batch_size: int | str, backbone: Backbone, reserved: Callable[[], int] = lambda: 0) -> None:
        if batch_size != 'auto' and not (isinstance(batch_size, int) and batch_size > 0):
            raise ConfigError(f"batch_size must be a positive integer or 'auto', got {batch_size!r}.")
        self.batch_size = batch_size
        self.backbone = backbone
        self.reserved = reserved  # bytes held elsewhere within the same budget (the prefix cache)
        self.budget = _available_bytes(backbone.device) if batch_size == 'auto' else 0
        auto = batch_size == 'auto'
        self.decode_budget = _available_bytes(backbone.device, _CPU_DECODE_BUDGET_CAP) if auto else 0
        self.max_decode_slots = _MAX_DECODE_SLOTS  # halved whenever decoding runs out of memory

    def _take(self, widths: Sequence[int], past: int) -> int:
        """Rows of the next batch; ``widths`` start with the widest row (it sets the padded width)."""
        if isinstance(self.batch_size, int):
            return min(self.batch_size, len(widths))
        rows = 1
        while (rows < min(len(widths), _MAX_ROWS) and 5 * widths[rows] >= 4 * widths[0]
               and self.backbone.forward_bytes(rows + 1, widths[0], past) <= self.budget - self.reserved()):
            rows += 1
        return rows

    def decode_slots(self, width: int, past: int, available: int) -> int:
        """Rows decoding at once, each holding up to ``width`` own keys after a ``past``-token prefix."""
        if isinstance(self.batch_size, int):
            return min(self.batch_size, available)
        per_slot = self.backbone.kv_bytes(width)
        budget = self.decode_budget - self.reserved()
        # admitting prompts a few at a time needs one prefill's transient memory
        fits = max(1, budget // per_slot)
        while fits > 1 and fits * per_slot + self.backbone.forward_bytes(prefill_rows(fits), width, past) > budget:
            fits -= 1
        return max(1, min(available, fits, self.max_decode_slots))

    def shrink_decode(self, slots: int, error: torch.OutOfMemoryError) -> None:
        """After decoding with ``slots`` rows ran out of memory: allow half as many, or re-raise ``error``."""
        if self.batch_size != 'auto' or slots <= 1:
            raise error
        self.max_decode_slots = slots // 2
        if self.backbone.device.type == 'cuda':
            torch.cuda.empty_cache()

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
