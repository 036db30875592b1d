"""Keys/values of shared prompt prefixes, computed once and kept across calls.

Inferencers hand the model a dataset a chunk at a time; every chunk of an MMLU
subject (or of GSM8K) starts with the same in-context examples.  The cache is keyed
by token ids: a request for a prefix reuses the cached entry that shares the most
leading tokens with it, cropping it (free: a view) or extending it by the missing
tokens.  Entries are evicted least-recently-used beyond a memory budget.
"""
from __future__ import annotations

from collections import OrderedDict

import torch

from evalkit.models.engine.backbone import Backbone
from evalkit.models.engine.planning import Tokens, common_prefix_len


class Prefix:
    """Keys/values and final hidden states of one token sequence, computed once."""

    def __init__(self, ids: Tokens, keys: list[torch.Tensor], values: list[torch.Tensor],
                 hidden: torch.Tensor, logprobs: torch.Tensor | None = None) -> None:
        self.ids, self.keys, self.values, self.hidden = ids, keys, values, hidden
        # log p(ids[t] | ids[:t]) for t = 1..len(_logprobs); extended lazily, only scoring needs it
        self._logprobs = logprobs if logprobs is not None else torch.empty(0)

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in (*self.keys, *self.values, self.hidden))

    @property
    def known_logprobs(self) -> torch.Tensor:
        return self._logprobs

    def logprobs(self, backbone: Backbone, count: int) -> torch.Tensor:
        """Log-probabilities of ``ids[1:count + 1]``, computing only those not yet known."""
        done = len(self._logprobs)
        if count > done:
            hidden = self.hidden[done:count]
            tokens = torch.tensor(self.ids[done + 1:count + 1])
            with torch.inference_mode():
                new = backbone.token_logprobs(hidden, torch.arange(count - done), tokens)
            self._logprobs = torch.cat([self._logprobs, new])
        return self._logprobs[:count]


class PrefixView:
    """The first ``n`` tokens of a cached ``Prefix``."""

    def __init__(self, base: Prefix, n: int) -> None:
        self.base, self.n = base, n

    def __len__(self) -> int:
        return self.n

    @property
    def ids(self) -> Tokens:
        return self.base.ids[:self.n]

    def keys(self, layer: int) -> torch.Tensor:
        return self.base.keys[layer][:, :, :self.n]

    def values(self, layer: int) -> torch.Tensor:
        return self.base.values[layer][:, :, :self.n]

    @property
    def last_hidden(self) -> torch.Tensor:
        return self.base.hidden[self.n - 1]

    def logprobs(self, backbone: Backbone) -> torch.Tensor:
        """Log-probabilities of tokens 1..n-1 given what precedes them."""
        return self.base.logprobs(backbone, self.n - 1)


class PrefixCache:
    """Least-recently-used prefixes, keyed by token ids, within ``max_bytes``."""

    def __init__(self, backbone: Backbone, max_bytes: int = 512 << 20) -> None:
        self.backbone = backbone
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Tokens, Prefix] = OrderedDict()
        self.computed_tokens = 0  # tokens run through the model to build prefixes (for benchmarks)
        self.attended_keys = 0  # keys those tokens attended to, each its position + 1 (for benchmarks)

    def get(self, ids: Tokens) -> PrefixView:
        best, shared = None, 0
        for key, entry in self._entries.items():
            n = common_prefix_len(key, ids)
            if n > shared:
                best, shared = entry, n
        if best is not None and shared == len(ids):
            self._entries.move_to_end(best.ids)
            return PrefixView(best, shared)
        parent = PrefixView(best, shared) if best is not None else None
        entry = self._extend(parent, ids)
        if best is not None and shared == len(best.ids):
            del self._entries[best.ids]  # the extension holds all of it
        self._entries[ids] = entry
        while len(self._entries) > 1 and self.nbytes > self.max_bytes:
            self._entries.popitem(last=False)
        return PrefixView(entry, len(ids))

    def clear(self) -> None:
        self._entries.clear()

    @property
    def nbytes(self) -> int:
        """Memory the cached prefixes hold (counted in the batch sizer's budget)."""
        return sum(e.nbytes for e in self._entries.values())

    def _extend(self, parent: PrefixView | None, ids: Tokens) -> Prefix:
        start = len(parent) if parent is not None else 0
        cache = self.backbone.new_cache(1, len(ids) - start)
        with torch.inference_mode():
            hidden = self.backbone.forward(torch.tensor([ids[start:]]), torch.arange(start, len(ids))[None], cache,
                                           prefix=parent)[0]
        self.computed_tokens += len(ids) - start
        self.attended_keys += (len(ids) * (len(ids) + 1) - start * (start + 1)) // 2
        keys = [layer.keys for layer in cache.layers]  # the layers were sized to fit exactly
        values = [layer.values for layer in cache.layers]
        if parent is None:
            return Prefix(ids, keys, values, hidden)
        keys = [torch.cat([parent.keys(n), k], -2) for n, k in enumerate(keys)]
        values = [torch.cat([parent.values(n), v], -2) for n, v in enumerate(values)]
        return Prefix(ids, keys, values, torch.cat([parent.base.hidden[:start], hidden]),
                      parent.base.known_logprobs[:start - 1])
