"""Log-likelihood engine: per-token log-probabilities of many sequences, shared tokens computed once.

Both OpenCompass-style perplexity and lm-eval-style continuation log-likelihood
are sums over these per-token values, so one engine serves both.  Per call:

1. ``plan_requests`` de-duplicates the sequences and finds runs (a shared prefix,
   cached across calls) and groups (a shared context plus short suffixes);
2. each group is laid out as a *piece*: its context tokens after the prefix, then
   every member's suffix, each suffix positioned right after the context;
3. pieces are packed into rows as wide as the widest piece (first fit, widest first),
   so rows carry little padding; an attention mask lets each token see the prefix, its
   own piece's context and its own suffix, nothing else;
4. rows are sorted by width and right-padded into batches that attend to the run's
   prefix keys/values, so no score depends on what it was batched with;
5. the output head and log-softmax run only on the positions that are scored.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from evalkit.models.engine.backbone import Backbone
from evalkit.models.engine.batching import BatchSizer
from evalkit.models.engine.planning import Group, Plan, Run, plan_requests
from evalkit.models.engine.prefix_cache import PrefixCache, PrefixView


@dataclass
class _Piece:
    """A group laid out for a row: context tail (mark 0), then member k's suffix (mark k+1)."""

    group: Group
    prefix_len: int
    tokens: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # column of each member's first suffix token
    start: int = 0  # column of the piece in its row

    @property
    def plain(self) -> bool:
        """At most one non-empty suffix: the piece is one ordinary sequence."""
        return len({m for m in self.marks if m > 0}) <= 1


@dataclass
class _Row:
    """Pieces side by side in one row of a batch."""

    pieces: list[_Piece] = field(default_factory=list)
    width: int = 0

    def add(self, piece: _Piece) -> None:
        piece.start = self.width
        self.pieces.append(piece)
        self.width += len(piece.tokens)


@dataclass
class ScoreStats:
    """What the engine computed, for benchmarks: tokens through the decoder and forward passes.

    ``attended_keys`` sums, over those tokens, the keys each must attend to (its position + 1):
    behind thousands of tokens of shots that attention, not the weights, is most of a token's cost."""

    tokens: int = 0
    padded_tokens: int = 0
    forwards: int = 0
    attended_keys: int = 0


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
        rows = _pack([_layout(plan, g, run.prefix_len) for g in run.groups])

        def step(batch: range) -> None:
            chosen = [rows[i] for i in batch]
            hidden = self._forward(chosen, prefix)
            self._collect(plan, chosen, hidden, prefix, first, results)

        self.sizer.run([r.width for r in rows], run.prefix_len, step)

    def _forward(self, rows: list[_Row], prefix: PrefixView | None) -> torch.Tensor:
        width = max(r.width for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        positions = torch.zeros((len(rows), width), dtype=torch.long)
        pieces = torch.full((len(rows), width), -1, dtype=torch.long)  # which piece of its row a column is
        marks = torch.full((len(rows), width), -1, dtype=torch.long)
        for r, row in enumerate(rows):
            for k, piece in enumerate(row.pieces):
                cols = slice(piece.start, piece.start + len(piece.tokens))
                ids[r, cols] = torch.tensor(piece.tokens)
                positions[r, cols] = torch.tensor(piece.positions)
                pieces[r, cols] = k
                marks[r, cols] = torch.tensor(piece.marks)
            positions[r, row.width:] = positions[r, row.width - 1]
        mask = None  # right padding alone keeps rows that are one plain sequence exact
        if not all(len(row.pieces) == 1 and row.pieces[0].plain for row in rows):
            mask = _tree_mask(pieces, marks)
        self.stats.tokens += sum(r.width for r in rows)
        self.stats.attended_keys += sum(sum(pc.positions) + len(pc.positions) for row in rows for pc in row.pieces)
        self.stats.padded_tokens += len(rows) * width
        self.stats.forwards += 1
        return self.backbone.forward(ids, positions, mask=mask, prefix=prefix)

    def _collect(self, plan: Plan, rows: list[_Row], hidden: torch.Tensor, prefix: PrefixView | None,
                 first: list[int], results: list[torch.Tensor]) -> None:
        """Score the needed positions of a batch and assemble each member's log-probabilities."""
        flat = hidden.reshape(-1, hidden.shape[-1])
        if prefix is not None:  # the prefix's last position predicts each row's first own token
            flat = torch.cat([flat, prefix.last_hidden[None].to(flat.device)])
        wanted = _Wanted()
        pieces = [piece for row in rows for piece in row.pieces]
        targets = [_piece_targets(plan, piece, r * hidden.shape[1] + piece.start, len(flat) - 1, first, wanted)
                   for r, row in enumerate(rows) for piece in row.pieces]
        values = self.backbone.token_logprobs(flat[torch.tensor(list(wanted.columns), dtype=torch.long)],
                                              torch.tensor(wanted.slots), torch.tensor(wanted.tokens))
        needs_prefix = prefix is not None and any(first[m] < len(prefix) for pc in pieces for m in pc.group.members)
        prefix_lp = prefix.logprobs(self.backbone) if needs_prefix else torch.empty(0)
        for piece, tg in zip(pieces, targets):
            p = piece.prefix_len
            for m, (lo, hi) in zip(piece.group.members, tg.suffixes):
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


def _piece_targets(plan: Plan, piece: _Piece, base: int, prefix_last: int, first: list[int],
                   wanted: _Wanted) -> _Targets:
    """Register every target of a piece; ``base`` is its first flat hidden index, ``prefix_last`` the prefix's."""
    group, p, c = piece.group, piece.prefix_len, piece.group.context_len
    context = plan.sequences[group.members[0]]
    earliest = min(first[m] for m in group.members)
    lead = wanted.add(prefix_last, context[p]) if p and earliest <= p else None
    tail_first = max(earliest, p + 1)
    span = [wanted.add(base + t - 1 - p, context[t]) for t in range(tail_first, c)]
    tail = (span[0], span[-1] + 1) if span else (0, 0)
    suffixes = []
    for m, offset in zip(group.members, piece.offsets):
        seq = plan.sequences[m]
        span = [wanted.add(base + (c - 1 - p if t == c else offset + t - 1 - c), seq[t])
                for t in range(max(first[m], c), len(seq))]
        suffixes.append((span[0], span[-1] + 1) if span else (0, 0))
    return _Targets(lead, tail, tail_first, suffixes)


def _layout(plan: Plan, group: Group, prefix_len: int) -> _Piece:
    """Lay a group out as a piece (see ``_Piece``)."""
    piece = _Piece(group, prefix_len)
    context = plan.sequences[group.members[0]]
    c = group.context_len
    piece.tokens.extend(context[prefix_len:c])
    piece.positions.extend(range(prefix_len, c))
    piece.marks.extend([0] * (c - prefix_len))
    for k, m in enumerate(group.members):
        suffix = plan.sequences[m][c:]
        piece.offsets.append(len(piece.tokens))
        piece.tokens.extend(suffix)
        piece.positions.extend(range(c, c + len(suffix)))
        piece.marks.extend([k + 1] * len(suffix))
    return piece


def _pack(pieces: list[_Piece]) -> list[_Row]:
    """First-fit-decreasing into rows as wide as the widest piece; returns rows widest first."""
    pieces = sorted(pieces, key=lambda pc: -len(pc.tokens))
    capacity = len(pieces[0].tokens)
    rows: list[_Row] = []
    for piece in pieces:
        row = next((r for r in rows if r.width + len(piece.tokens) <= capacity), None)
        if row is None:
            row = _Row()
            rows.append(row)
        row.add(piece)
    return sorted(rows, key=lambda r: -r.width)


def _tree_mask(pieces: torch.Tensor, marks: torch.Tensor) -> torch.Tensor:
    """[rows, 1, width, width] booleans: a token sees earlier tokens of its own piece's context and of
    its own suffix (and the prefix, which every token sees).  Padding (piece -1) sees earlier padding."""
    width = pieces.shape[1]
    causal = torch.ones((width, width), dtype=torch.bool).tril()
    same_piece = pieces[:, None, :] == pieces[:, :, None]
    visible = (marks[:, None, :] == 0) | (marks[:, None, :] == marks[:, :, None])
    return (causal & same_piece & visible)[:, None]
