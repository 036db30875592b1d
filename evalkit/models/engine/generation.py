"""Generation engine: shared prefix prefilled once, continuous batching, early stops, greedy or sampled.

Prompts are de-duplicated and sorted by length (``plan_requests`` without packing);
prompts that share a long prefix (the few-shot examples) attend to its cached keys
and values instead of each recomputing them.  Decoding runs a fixed number of
*slots*: a prompt enters a free slot by prefilling its remaining tokens (a few
prompts at a time, left-padded, each token at its true position), then decodes one
token per step alongside the others.  A sequence ends at the end-of-sequence token,
a stop word or ``max_new`` tokens; it is handed to ``on_done`` at once (so a caller can
save it while the rest decode) and its slot is refilled from the queue, so the batch
stays full instead of waiting for its longest member.  Once the queue is empty,
finished slots are compacted away at once: the last busy rows move into the holes (a copy
of the moved rows' keys only), so no step computes a throwaway row.  Every row attends only to its own keys, so a
sequence decodes as it would alone - which is also why a batch that runs out of memory
can restart its unfinished prompts with half the slots and give the same answers.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import torch

from evalkit.models.engine.backbone import Backbone
from evalkit.models.engine.batching import BatchSizer, prefill_rows
from evalkit.models.engine.planning import plan_requests
from evalkit.models.engine.prefix_cache import PrefixCache, PrefixView
from evalkit.models.engine.sampling import Chooser, Sampler, greedy_chooser

# Called with a sequence's generated ids so far; True ends it.
DoneCheck = Callable[[list[int]], bool]
# Called once per request, as soon as its generated ids are final: (request index, ids).
OnDone = Callable[[int, list[int]], None]


class Generator:
    """Greedy decoding of many prompts at once (see the module docstring)."""

    def __init__(self, backbone: Backbone, cache: PrefixCache, sizer: BatchSizer, min_prefix: int = 16) -> None:
        self.backbone, self.cache, self.sizer, self.min_prefix = backbone, cache, sizer, min_prefix

    def generate(self, prompts: Sequence[Sequence[int]], max_new: int, is_done: DoneCheck,
                 share: bool = True, on_done: OnDone | None = None, sampler: Sampler | None = None) -> list[list[int]]:
        """Generated ids per prompt: at most ``max_new``, up to and including the token that ended it.
        With a ``sampler`` the prompts must be distinct (each has its own seed), so sequence == request index."""
        hand_over = on_done or (lambda request, ids: None)
        if max_new <= 0:
            for i in range(len(prompts)):
                hand_over(i, [])
            return [[] for _ in prompts]
        plan = plan_requests(prompts, 0, self.min_prefix if share else None)
        if sampler is not None and len(plan.sequences) != len(prompts):
            raise ValueError('sampled prompts must be distinct: identical ones would share one answer')
        requests_of: dict[int, list[int]] = {}
        for request, sequence in enumerate(plan.request_to_sequence):
            requests_of.setdefault(sequence, []).append(request)
        generated: list[list[int]] = [[] for _ in plan.sequences]

        def finish(sequence: int, ids: list[int]) -> None:
            generated[sequence] = ids
            for request in requests_of[sequence]:
                hand_over(request, ids)

        with torch.inference_mode():
            for run in plan.runs:
                members = sorted((g.members[0] for g in run.groups), key=lambda m: -len(plan.sequences[m]))
                prefix = self.cache.get(plan.sequences[members[0]][:run.prefix_len]) if run.prefix_len else None
                self._decode_run(prefix, [plan.sequences[m][run.prefix_len:] for m in members], members, max_new,
                                 is_done, finish, sampler)
        return [generated[u] for u in plan.request_to_sequence]

    def _decode_run(self, prefix: PrefixView | None, tails: list[Sequence[int]], members: list[int], max_new: int,
                    is_done: DoneCheck, finish: Callable[[int, list[int]], None], sampler: Sampler | None) -> None:
        """Decode one run's prompts; on out-of-memory, halve the slots and restart the unfinished ones."""
        past = len(prefix) if prefix is not None else 0
        pending = list(range(len(tails)))
        while pending:
            width = max(len(tails[i]) for i in pending) + max_new
            slots = self.sizer.decode_slots(width, past, len(pending))
            choose = (sampler.chooser(self.backbone, [members[i] for i in pending]) if sampler
                      else greedy_chooser(self.backbone))
            stream = _Stream(self.backbone, prefix, slots, width, max_new, is_done,
                             lambda k, ids, todo=pending: finish(members[todo[k]], ids), choose)
            try:
                stream.run([tails[i] for i in pending])
                return
            except torch.OutOfMemoryError as error:
                self.sizer.shrink_decode(slots, error)  # re-raises when it cannot shrink any further
                pending = [i for k, i in enumerate(pending) if k not in stream.finished]


class _Stream:
    """Continuous batching of one run's prompts (their tokens after the shared prefix)."""

    def __init__(self, backbone: Backbone, prefix: PrefixView | None, slots: int, width: int, max_new: int,
                 is_done: DoneCheck, finish: Callable[[int, list[int]], None], choose: Chooser) -> None:
        self.backbone, self.prefix, self.max_new, self.is_done, self.finish = backbone, prefix, max_new, is_done, finish
        self.choose = choose  # next token of some slots, given their hidden states and the prompts they decode
        self.past = len(prefix) if prefix is not None else 0
        self.cache = backbone.new_cache(slots, width)
        self.lengths = torch.zeros(slots, dtype=torch.long)  # own keys held by each slot
        self.owner = [-1] * slots  # prompt decoding in each slot; -1: free
        self.tokens = torch.zeros(slots, dtype=torch.long)  # each slot's next input token
        self.refill_at = max(1, slots // 8)  # refill once this many slots are free, not at every finish
        self.prefill_rows = prefill_rows(slots)
        self.finished: set[int] = set()

    def run(self, tails: list[Sequence[int]]) -> None:
        self.outs: list[list[int]] = [[] for _ in tails]
        queue = deque(range(len(tails)))
        while queue or any(o >= 0 for o in self.owner):
            free = [s for s, o in enumerate(self.owner) if o < 0]
            if queue and free and (len(free) >= self.refill_at or len(free) == len(self.owner)):
                chosen = [queue.popleft() for _ in range(min(len(free), len(queue)))]
                # A few prompts per prefill: its transient memory is what the sizer priced, and each
                # group is padded only to its own longest tail (prompts come longest first).
                for lo in range(0, len(chosen), self.prefill_rows):
                    group = chosen[lo:lo + self.prefill_rows]
                    self._admit(free[lo:lo + len(group)], group, [tails[i] for i in group])
            elif not queue and free:
                self._drop(free)
            if any(o >= 0 for o in self.owner):
                self._step()

    def _admit(self, slots: list[int], prompts: list[int], tails: list[Sequence[int]]) -> None:
        """Prefill ``tails`` (left-padded together) and move their keys into ``slots``."""
        rows, width = len(tails), max(len(t) for t in tails)
        ids = torch.zeros((rows, width), dtype=torch.long)
        valid = torch.zeros((rows, width), dtype=torch.bool)
        for r, tail in enumerate(tails):
            ids[r, width - len(tail):] = torch.tensor(tail)
            valid[r, width - len(tail):] = True
        positions = self.past + (valid.long().cumsum(-1) - 1).clamp(min=0)
        mask = None
        if not bool(valid.all()):  # padding attends to itself only, so nothing is NaN
            causal = torch.ones((width, width), dtype=torch.bool).tril()
            mask = ((valid[:, None, :] & causal) | torch.eye(width, dtype=torch.bool))[:, None]
        staging = self.backbone.new_cache(rows, width)
        hidden = self.backbone.forward(ids, positions, staging, mask, self.prefix)
        for layer, staged in zip(self.cache.layers, staging.layers):
            for r, (slot, tail) in enumerate(zip(slots, tails)):
                layer.place(slot, staged.keys[r, :, width - len(tail):], staged.values[r, :, width - len(tail):])
        for slot, prompt, tail in zip(slots, prompts, tails):
            self.owner[slot], self.lengths[slot] = prompt, len(tail)
        self._emit(slots, self.choose(hidden[:, -1], prompts))

    def _step(self) -> None:
        """One token for every slot (free ones compute a throwaway token at their column 0)."""
        for layer in self.cache.layers:
            layer.write_at = self.lengths.to(self.backbone.device)
        keys = max(self.cache.layers[0].length, int(self.lengths.max()) + 1)  # the cache's width after this step
        seen = torch.arange(keys)[None] <= self.lengths[:, None]
        hidden = self.backbone.forward(self.tokens[:, None], (self.past + self.lengths)[:, None], self.cache,
                                       seen[:, None, None], self.prefix)
        self.lengths += 1
        active = [s for s, o in enumerate(self.owner) if o >= 0]
        self._emit(active, self.choose(hidden[active, -1], [self.owner[s] for s in active]))

    def _emit(self, slots: list[int], tokens: torch.Tensor) -> None:
        for slot, token in zip(slots, tokens.tolist()):
            out = self.outs[self.owner[slot]]
            out.append(token)
            self.tokens[slot] = token
            if len(out) >= self.max_new or self.is_done(out):
                self.finished.add(self.owner[slot])
                self.finish(self.owner[slot], out)
                self.owner[slot], self.lengths[slot] = -1, 0

    def _drop(self, slots: list[int]) -> None:
        """Remove idle slots once nothing waits for them (their rows would only compute throwaway tokens):
        the busy slots beyond the new batch size move into the idle ones below it, so only their keys
        are copied, and the batch shrinks to its busy rows."""
        idle = set(slots)
        rows = len(self.owner) - len(idle)
        holes = [s for s in range(rows) if s in idle]
        sources = [s for s in range(rows, len(self.owner)) if s not in idle]
        for hole, source in zip(holes, sources):
            self.owner[hole], self.lengths[hole], self.tokens[hole] = \
                self.owner[source], self.lengths[source], self.tokens[source]
        del self.owner[rows:]
        self.lengths, self.tokens = self.lengths[:rows], self.tokens[:rows]
        length = int(self.lengths.max()) if rows else 0  # columns beyond every busy row's keys are dropped too
        index = {name: torch.tensor(ids, dtype=torch.long, device=self.backbone.device)
                 for name, ids in (('holes', holes), ('sources', sources))}
        for layer in self.cache.layers:
            layer.compact(index['sources'], index['holes'], rows, length)
