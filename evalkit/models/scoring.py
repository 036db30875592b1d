"""Log-likelihood engine: per-token log-probabilities of many sequences, shared tokens computed once.

Both OpenCompass-style perplexity and lm-eval-style continuation log-likelihood
are sums over these per-token values, so one engine serves both.  Per call:

1. ``plan_requests`` de-duplicates the sequences and finds runs (a shared prefix,
   cached across calls) and groups (a shared context plus short suffixes);
2. each group becomes one row: its context tokens after the prefix, then every
   member's suffix, with an attention mask that lets each suffix see the context and
   itself but not the other suffixes (positions continue from the context for each);
3. rows are sorted by width and right-padded into batches; each batch attends to the
   run's prefix keys/values, so no row depends on what it is batched with;
4. the output head and log-softmax run only on the positions that are scored.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from evalkit.models.backbone import Backbone
from evalkit.models.batching import BatchSizer
from evalkit.models.planning import Group, Plan, Run, plan_requests
from evalkit.models.prefix_cache import PrefixCache, PrefixView


@dataclass
class _Row:
    """One group laid out as a row: context tail (segment 0), then member k's suffix (segment k+1)."""

    group: Group
    prefix_len: int
    tokens: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # column of each member's first suffix token

    @property
    def plain(self) -> bool:
        """At most one non-empty suffix: the row is one ordinary sequence."""
        return sum(1 for s in set(self.segments) if s > 0) <= 1


@dataclass
class ScoreStats:
    """What the engine computed, for benchmarks: tokens through the decoder and forward passes."""

    tokens: int = 0
    padded_tokens: int = 0
    forwards: int = 0


class Scorer:
    """Per-token log-probabilities, with prefix caching, context packing and de-duplication.

    ``share=False`` gives every distinct sequence its own row and no shared prefix
    (the baseline a naive framework computes); results are the same either way.
    """

    def __init__(self, backbone: Backbone, cache: PrefixCache, sizer: BatchSizer,
                 pack_limit: int = 1024, min_prefix: int = 16) -> None:
        self.backbone, self.cache, self.sizer = backbone, cache, sizer
        self.pack_limit, self.min_prefix = pack_limit, min_prefix
        self.stats = ScoreStats()

    def token_logprobs(self, sequences: Sequence[Sequence[int]], starts: Sequence[int],
                       share: bool = True) -> list[torch.Tensor]:
        """For each i: ``log p(sequences[i][t] | sequences[i][:t])`` for t = starts[i] .. len-1 (starts >= 1)."""
        todo = [i for i, s in enumerate(sequences) if len(s) > starts[i]]
        plan = plan_requests([sequences[i] for i in todo], self.pack_limit if share else 0,
                             self.min_prefix if share else None)
        first = [len(s) for s in plan.sequences]  # earliest target needed per unique sequence
        for n, i in enumerate(todo):
            u = plan.request_to_sequence[n]
            first[u] = min(first[u], starts[i])
        results: list[torch.Tensor] = [torch.empty(0)] * len(plan.sequences)
        with torch.inference_mode():
            for run in plan.runs:
                self._score_run(plan, run, first, results)
        out = [torch.empty(0)] * len(sequences)
        for n, i in enumerate(todo):
            u = plan.request_to_sequence[n]
            out[i] = results[u][starts[i] - first[u]:]
        return out

    def _score_run(self, plan: Plan, run: Run, first: list[int], results: list[torch.Tensor]) -> None:
        prefix = None
        if run.prefix_len:
            prefix = self.cache.get(plan.sequences[run.groups[0].members[0]][:run.prefix_len])
        rows = sorted((_layout(plan, g, run.prefix_len) for g in run.groups), key=lambda r: -len(r.tokens))

        def step(batch: range) -> None:
            chosen = [rows[i] for i in batch]
            hidden = self._forward(chosen, prefix)
            self._collect(plan, chosen, hidden, prefix, first, results)

        self.sizer.run([len(r.tokens) for r in rows], run.prefix_len, step)

    def _forward(self, rows: list[_Row], prefix: PrefixView | None) -> torch.Tensor:
        width = len(rows[0].tokens)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        positions = torch.zeros((len(rows), width), dtype=torch.long)
        segments = torch.full((len(rows), width), -1, dtype=torch.long)
        for r, row in enumerate(rows):
            n = len(row.tokens)
            ids[r, :n] = torch.tensor(row.tokens)
            positions[r, :n] = torch.tensor(row.positions)
            positions[r, n:] = row.positions[-1]
            segments[r, :n] = torch.tensor(row.segments)
        past = len(prefix) if prefix is not None else 0
        mask = None  # right padding alone keeps plain rows exact
        if not all(row.plain for row in rows):
            causal = torch.ones((width, width), dtype=torch.bool).tril()
            same = (segments[:, None, :] == 0) | (segments[:, None, :] == segments[:, :, None])
            mask = torch.cat([torch.ones((len(rows), width, past), dtype=torch.bool), causal & same], -1)[:, None]
        cache = self.backbone.new_cache(len(rows), past + width, prefix) if prefix is not None else None
        self.stats.tokens += sum(len(r.tokens) for r in rows)
        self.stats.padded_tokens += len(rows) * width
        self.stats.forwards += 1
        return self.backbone.forward(ids, positions, cache, mask)

    def _collect(self, plan: Plan, rows: list[_Row], hidden: torch.Tensor, prefix: PrefixView | None,
                 first: list[int], results: list[torch.Tensor]) -> None:
        """Score the needed positions of a batch and assemble each member's log-probabilities."""
        flat = hidden.reshape(-1, hidden.shape[-1])
        if prefix is not None:  # the prefix's last position predicts each row's first own token
            flat = torch.cat([flat, prefix.last_hidden[None].to(flat.device)])
        wanted = _Wanted()
        targets = [_row_targets(plan, row, r * hidden.shape[1], len(flat) - 1, first, wanted)
                   for r, row in enumerate(rows)]
        values = self.backbone.token_logprobs(flat[torch.tensor(list(wanted.columns), dtype=torch.long)],
                                              torch.tensor(wanted.slots), torch.tensor(wanted.tokens))
        needs_prefix = prefix is not None and any(first[m] < len(prefix) for r in rows for m in r.group.members)
        prefix_lp = prefix.logprobs(self.backbone) if needs_prefix else torch.empty(0)
        for row, tg in zip(rows, targets):
            p = row.prefix_len
            for m, (lo, hi) in zip(row.group.members, tg.suffixes):
                parts = [prefix_lp[first[m] - 1:]] if first[m] < p else []
                if tg.lead is not None and first[m] <= p:
                    parts.append(values[tg.lead:tg.lead + 1])
                parts.append(values[tg.tail[0] + max(first[m], p + 1) - tg.tail_first:tg.tail[1]])
                parts.append(values[lo:hi])
                results[m] = torch.cat(parts)


class _Wanted:
    """The targets of a batch: which hidden states to score (slots) against which tokens."""

    def __init__(self) -> None:
        self.columns: dict[int, int] = {}  # flat hidden index -> slot
        self.slots: list[int] = []
        self.tokens: list[int] = []

    def add(self, flat: int, token: int) -> int:
        """Register one target; returns its index in the batch's value vector."""
        self.slots.append(self.columns.setdefault(flat, len(self.columns)))
        self.tokens.append(token)
        return len(self.tokens) - 1


@dataclass
class _Targets:
    """Where a row's scored values land in the batch's value vector (ranges are [lo, hi))."""

    lead: int | None  # the row's first own token, predicted from the prefix's last position
    tail: tuple[int, int]  # the context tail's targets
    tail_first: int  # sequence index of the first tail target
    suffixes: list[tuple[int, int]]  # each member's suffix targets


def _row_targets(plan: Plan, row: _Row, base: int, prefix_last: int, first: list[int],
                 wanted: _Wanted) -> _Targets:
    """Register every target of a row; ``base`` is its first flat hidden index, ``prefix_last`` the prefix's."""
    group, p, c = row.group, row.prefix_len, row.group.context_len
    context = plan.sequences[group.members[0]]
    earliest = min(first[m] for m in group.members)
    lead = wanted.add(prefix_last, context[p]) if p and earliest <= p else None
    tail_first = max(earliest, p + 1)
    span = [wanted.add(base + t - 1 - p, context[t]) for t in range(tail_first, c)]
    tail = (span[0], span[-1] + 1) if span else (0, 0)
    suffixes = []
    for m, offset in zip(group.members, row.offsets):
        seq = plan.sequences[m]
        span = [wanted.add(base + (c - 1 - p if t == c else offset + t - 1 - c), seq[t])
                for t in range(max(first[m], c), len(seq))]
        suffixes.append((span[0], span[-1] + 1) if span else (0, 0))
    return _Targets(lead, tail, tail_first, suffixes)


def _layout(plan: Plan, group: Group, prefix_len: int) -> _Row:
    """Lay a group out as one row (see ``_Row``)."""
    row = _Row(group, prefix_len)
    context = plan.sequences[group.members[0]]
    c = group.context_len
    row.tokens.extend(context[prefix_len:c])
    row.positions.extend(range(prefix_len, c))
    row.segments.extend([0] * (c - prefix_len))
    for k, m in enumerate(group.members):
        suffix = plan.sequences[m][c:]
        row.offsets.append(len(row.tokens))
        row.tokens.extend(suffix)
        row.positions.extend(range(c, c + len(suffix)))
        row.segments.extend([k + 1] * len(suffix))
    return row
