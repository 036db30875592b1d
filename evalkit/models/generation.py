"""Greedy generation engine: shared prefix prefilled once, left-padded batches, early stops.

Prompts are de-duplicated and sorted by length (``plan_requests`` without packing);
prompts that share a long prefix (the few-shot examples) attend to its cached keys
and values instead of each recomputing them.  Each batch left-pads the prompts'
remaining tokens after the prefix, gives every token its true position, and masks
the padding, so a sequence decodes as it would alone.  A sequence leaves the batch
as soon as it is done (end of sequence, a stop word, or ``max_new`` tokens); the batch
ends when all have.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from evalkit.models.backbone import Backbone
from evalkit.models.batching import BatchSizer
from evalkit.models.planning import plan_requests
from evalkit.models.prefix_cache import PrefixCache, PrefixView

# Called with a sequence's generated ids so far; True ends it.
DoneCheck = Callable[[list[int]], bool]


class Generator:
    """Greedy decoding of many prompts at once (see the module docstring)."""

    def __init__(self, backbone: Backbone, cache: PrefixCache, sizer: BatchSizer, min_prefix: int = 16) -> None:
        self.backbone, self.cache, self.sizer, self.min_prefix = backbone, cache, sizer, min_prefix

    def generate(self, prompts: Sequence[Sequence[int]], max_new: int, is_done: DoneCheck,
                 share: bool = True) -> list[list[int]]:
        """Generated ids per prompt: at most ``max_new``, up to and including the token that ended it."""
        if max_new <= 0:
            return [[] for _ in prompts]
        plan = plan_requests(prompts, 0, self.min_prefix if share else None)
        generated: list[list[int]] = [[] for _ in plan.sequences]
        with torch.inference_mode():
            for run in plan.runs:
                members = sorted((g.members[0] for g in run.groups), key=lambda m: -len(plan.sequences[m]))
                prefix = self.cache.get(plan.sequences[members[0]][:run.prefix_len]) if run.prefix_len else None
                tails = [plan.sequences[m][run.prefix_len:] for m in members]

                def step(batch: range, tails: list = tails, members: list = members,
                         prefix: PrefixView | None = prefix) -> None:
                    outs = self._batch([tails[i] for i in batch], prefix, max_new, is_done)
                    for i, out in zip(batch, outs):
                        generated[members[i]] = out

                self.sizer.run([len(t) + max_new for t in tails], run.prefix_len, step)
        return [generated[u] for u in plan.request_to_sequence]

    def _batch(self, tails: list[Sequence[int]], prefix: PrefixView | None, max_new: int,
               is_done: DoneCheck) -> list[list[int]]:
        rows, width, past = len(tails), max(len(t) for t in tails), len(prefix) if prefix is not None else 0
        ids = torch.zeros((rows, width), dtype=torch.long)
        valid = torch.zeros((rows, width + max_new), dtype=torch.bool)  # own keys each row may attend to
        for r, tail in enumerate(tails):
            ids[r, width - len(tail):] = torch.tensor(tail)
            valid[r, width - len(tail):width] = True
        positions = past + (valid[:, :width].long().cumsum(-1) - 1).clamp(min=0)
        mask = None
        if not bool(valid[:, :width].all()):
            causal = torch.ones((width, width), dtype=torch.bool).tril()
            mask = ((valid[:, None, :width] & causal) | torch.eye(width, dtype=torch.bool))[:, None]  # pads: itself
        cache = self.backbone.new_cache(rows, width + max_new)
        hidden = self.backbone.forward(ids, positions, cache, mask, prefix)
        tokens = self.backbone.next_tokens(hidden[:, -1]).cpu()
        last = positions[:, -1]
        outs: list[list[int]] = [[] for _ in tails]
        active = torch.arange(rows)
        for n in range(max_new):
            keep = []
            for r, row in enumerate(active.tolist()):
                outs[row].append(int(tokens[r]))
                if n + 1 < max_new and not is_done(outs[row]):
                    keep.append(r)
            if not keep:
                break
            if len(keep) < len(active):
                index = torch.tensor(keep)
                for layer in cache.layers:
                    layer.batch_select_indices(index.to(self.backbone.device))
                active, valid, last, tokens = active[index], valid[index], last[index], tokens[index]
            valid[:, width + n] = True
            mask = None if bool(valid[:, :width + n + 1].all()) else valid[:, None, None, :width + n + 1]
            last = last + 1
            hidden = self.backbone.forward(tokens[:, None], last[:, None], cache, mask, prefix)
            tokens = self.backbone.next_tokens(hidden[:, -1]).cpu()
        return outs
