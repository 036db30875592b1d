"""Request planning (no model): de-duplication, groups of labels, runs sharing a prefix."""
from __future__ import annotations

from evalkit.models.engine.planning import Group, common_prefix_len, plan_requests

SHOTS = tuple(range(100, 140))  # a 40-token "in-context block" shared by every question


def _question(q: int, label: int) -> tuple[int, ...]:
    return SHOTS + (q, q + 1, q + 2, 7) + (label,)


def _members(plan, group: Group) -> list[tuple[int, ...]]:
    return [plan.sequences[m] for m in group.members]


def test_common_prefix_len() -> None:
    assert common_prefix_len([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix_len([1, 2], [1, 2, 3]) == 2
    assert common_prefix_len([], [1]) == 0


def test_duplicates_are_computed_once() -> None:
    plan = plan_requests([[1, 2, 3], [4, 5], [1, 2, 3]], pack_limit=1024, min_prefix=16)
    assert len(plan.sequences) == 2
    assert plan.request_to_sequence[0] == plan.request_to_sequence[2] != plan.request_to_sequence[1]


def test_labels_form_a_group_and_questions_share_the_shots() -> None:
    requests = [_question(q, label) for q in (10, 20, 30) for label in (1, 2, 3, 4)]
    plan = plan_requests(requests, pack_limit=1024, min_prefix=16)
    assert len(plan.runs) == 1
    run = plan.runs[0]
    assert run.prefix_len == len(SHOTS)
    assert len(run.groups) == 3
    for group in run.groups:
        assert group.context_len == len(SHOTS) + 4  # everything but the label
        assert sorted(s[-1] for s in _members(plan, group)) == [1, 2, 3, 4]


def test_short_shared_beginnings_are_not_shared() -> None:
    # Sharing 3 tokens is not worth a cached prefix, nor packing the long rest into one row.
    requests = [(1, 2, 3, q, 9, 9, 9, 9) for q in (10, 20, 30)]
    plan = plan_requests(requests, pack_limit=1024, min_prefix=16)
    assert [r.prefix_len for r in plan.runs] == [0]
    assert all(len(g.members) == 1 and g.context_len == 8 for g in plan.runs[0].groups)


def test_sharing_off_gives_one_row_per_sequence() -> None:
    requests = [_question(q, label) for q in (10, 20) for label in (1, 2)]
    plan = plan_requests(requests, pack_limit=0, min_prefix=None)
    assert [r.prefix_len for r in plan.runs] == [0]
    assert sorted(len(g.members) for g in plan.runs[0].groups) == [1, 1, 1, 1]
    assert all(g.context_len == len(plan.sequences[g.members[0]]) for g in plan.runs[0].groups)


def test_a_group_too_wide_to_pack_becomes_rows_sharing_a_prefix() -> None:
    # Long continuations after one shared context: one row each, the context as the cached prefix.
    requests = [SHOTS + tuple(range(q, q + 30)) for q in (1000, 2000, 3000)]
    plan = plan_requests(requests, pack_limit=64, min_prefix=16)
    assert len(plan.runs) == 1 and plan.runs[0].prefix_len == len(SHOTS)
    assert [len(g.members) for g in plan.runs[0].groups] == [1, 1, 1]


def test_a_sequence_that_is_a_prefix_of_another() -> None:
    plan = plan_requests([(5, 6, 7), (5, 6, 7, 8)], pack_limit=1024, min_prefix=16)
    [group] = plan.runs[0].groups
    assert group.context_len == 3
    assert sorted(map(len, _members(plan, group))) == [3, 4]


def test_every_row_keeps_a_token_after_the_prefix() -> None:
    # One question is the shared block itself plus a single token: the prefix must stop before it.
    requests = [SHOTS + (1,), SHOTS + (2, 3, 4), SHOTS + (5, 6)]
    plan = plan_requests(requests, pack_limit=0, min_prefix=16)
    [run] = plan.runs
    assert run.prefix_len == len(SHOTS)
    assert all(g.context_len > run.prefix_len for g in run.groups)


def test_a_long_block_of_shots_is_the_prefix_not_part_of_the_row() -> None:
    # MMLU's history subjects: about 2,500 tokens of shots before each question's few hundred.  The four
    # labels must still share one row (the shots are the run's prefix, not the row's width); judging the
    # row by the whole context had scored every label in a row of its own, four times the work.
    shots = tuple(range(1000, 1000 + 2500))
    requests = [shots + tuple(range(q, q + 300)) + (label,) for q in (10_000, 20_000) for label in (1, 2, 3, 4)]
    plan = plan_requests(requests, pack_limit=1024, min_prefix=16)
    [run] = plan.runs
    assert run.prefix_len == len(shots)
    assert sorted(len(g.members) for g in run.groups) == [4, 4]
