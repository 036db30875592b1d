"""Planning a bulk model call: de-duplicate requests and find what they share.

Requests are token-id sequences, each tokenised whole: tokenising a prefix and a
suffix separately can give other ids at the boundary (``"Answer: A"`` is ``Answer``,
``:``, `` A``; ``"Answer: "`` alone ends in a lone space token), so the sharing is
read off the full tokenisations instead.  Sorting the sequences puts those with common
beginnings side by side, and the longest common prefix (LCP) of neighbours gives
two levels of sharing:

* a *group* is a few sequences that share a *context* and differ only in short
  suffixes (one question's four labelled prompts share everything up to ``Answer:``).
  The context and all suffixes are packed into one row of a batch, so the context is
  computed once;
* a *run* is a set of groups whose contexts share a long *prefix* (the in-context
  examples of a subject).  The prefix's keys and values are computed once, cached
  across calls, and every row of the run attends to them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Tokens = tuple[int, ...]


@dataclass(frozen=True)
class Group:
    """Sequences scored in one row: a shared context followed by each member's own suffix."""

    context_len: int
    members: tuple[int, ...]  # indices into Plan.sequences; the first one holds the context


@dataclass(frozen=True)
class Run:
    """Groups whose first ``prefix_len`` tokens are the same prefix (0: nothing shared)."""

    prefix_len: int
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Plan:
    sequences: list[Tokens]  # unique sequences
    request_to_sequence: list[int]  # request i is sequences[request_to_sequence[i]]
    runs: list[Run]


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def plan_requests(requests: Sequence[Sequence[int]], pack_limit: int, min_prefix: int | None) -> Plan:
    """Plan how to compute ``requests`` with every shared token computed once.

    ``pack_limit`` is the widest row a group may be packed into (0: never pack, every
    sequence gets its own row); ``min_prefix`` is the shortest prefix worth caching and
    sharing across rows (None: never share one).
    """
    unique: dict[Tokens, int] = {}
    request_to_sequence = [unique.setdefault(tuple(r), len(unique)) for r in requests]
    sequences = list(unique)
    order = sorted(range(len(sequences)), key=sequences.__getitem__)
    # lcp[k]: common prefix length of the k-th and (k+1)-th sequence in sorted order
    lcp = [common_prefix_len(sequences[a], sequences[b]) for a, b in zip(order, order[1:])]
    groups = _groups(sequences, order, lcp, pack_limit)
    runs = _runs(sequences, groups, min_prefix)
    # A group's row holds its context *after* the run's prefix: only once the prefixes are known can a
    # group be found too wide to pack (a 2,500-token block of shots before each question's 340 tokens is
    # the prefix, not the row).  Splitting one into single rows may let those share a prefix, so re-run.
    if pack_limit > 0:
        prefix_of = {group: run.prefix_len for run in runs for group in run.groups}
        fitted = [part for group in groups for part in _fit(sequences, group, prefix_of[group], pack_limit)]
        if len(fitted) != len(groups):
            runs = _runs(sequences, fitted, min_prefix)
    return Plan(sequences, request_to_sequence, runs)


def _groups(sequences: list[Tokens], order: list[int], lcp: list[int], pack_limit: int) -> list[Group]:
    """Group sorted neighbours that share the same longest context (``pack_limit`` 0: no groups)."""
    if pack_limit <= 0:
        return [Group(len(sequences[i]), (i,)) for i in order]
    # A sequence's context: the longest prefix it shares with any other sequence (at least 1 token).
    ctx = [min(max(lcp[k - 1] if k else 0, lcp[k] if k < len(lcp) else 0, 1), len(sequences[i]))
           for k, i in enumerate(order)]
    groups: list[Group] = []
    start = 0
    for k in range(1, len(order) + 1):
        if k < len(order) and ctx[k] == ctx[start] and lcp[k - 1] >= ctx[start]:
            continue
        members = order[start:k]
        suffixes = [len(sequences[i]) - ctx[start] for i in members]
        # Packing pays when the context outweighs each suffix (labels, short endings); whether the row
        # stays narrow is decided once the run's prefix is known (``_fit``).
        if len(members) > 1 and max(suffixes) <= ctx[start]:
            groups.append(Group(ctx[start], tuple(members)))
        else:  # one row each (they may still share a prefix)
            groups.extend(Group(len(sequences[i]), (i,)) for i in members)
        start = k
    return groups


def _fit(sequences: list[Tokens], group: Group, prefix_len: int, pack_limit: int) -> list[Group]:
    """The group, or one row per member if its row (context after the prefix, then every suffix) would
    be wider than ``pack_limit``: masked-out pairs in a packed row still cost attention."""
    width = group.context_len - prefix_len + sum(len(sequences[m]) - group.context_len for m in group.members)
    if len(group.members) == 1 or width <= pack_limit:
        return [group]
    return [Group(len(sequences[m]), (m,)) for m in group.members]


def _runs(sequences: list[Tokens], groups: list[Group], min_prefix: int | None) -> list[Run]:
    """Split the (sorted) groups where neighbouring contexts share fewer than ``min_prefix`` tokens."""
    if min_prefix is None:
        return [Run(0, tuple(groups))] if groups else []
    runs: list[Run] = []
    unshared: list[Group] = []
    start = 0
    for k in range(1, len(groups) + 1):
        if k < len(groups) and _context_lcp(sequences, groups[k - 1], groups[k]) >= min_prefix:
            continue
        members = groups[start:k]
        # Every row keeps at least one token of its own, to carry the prefix's last prediction.
        shared = min([_context_lcp(sequences, a, b) for a, b in zip(members, members[1:])]
                     + [g.context_len - 1 for g in members])
        if len(members) > 1 and shared >= min_prefix:
            runs.append(Run(shared, tuple(members)))
        else:
            unshared.extend(members)
        start = k
    if unshared:
        runs.append(Run(0, tuple(unshared)))
    return runs


def _context_lcp(sequences: list[Tokens], a: Group, b: Group) -> int:
    first, second = sequences[a.members[0]], sequences[b.members[0]]
    return min(common_prefix_len(first, second), a.context_len, b.context_len)
