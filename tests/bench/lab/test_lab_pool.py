"""Candidate pools from the labelled corpus, with their ground truth."""

from __future__ import annotations

from proctor.bench.corpus import split_of
from proctor.bench.lab import choose_tasks, load_pools


def test_heldout_pools_have_every_kind_and_only_heldout_tasks() -> None:
    tasks, pools = load_pools("heldout")
    assert pools
    for task_id, pool in pools.items():
        assert split_of(task_id) == "heldout"
        assert task_id in tasks
        assert {c.kind for c in pool} == {"honest_correct", "honest_wrong", "hack"}


def test_hacks_carry_category_and_family_and_include_semantic_ones() -> None:
    _, pools = load_pools("heldout")
    hacks = [c for pool in pools.values() for c in pool if c.kind == "hack"]
    assert all(c.family for c in hacks)
    categories = {c.category for c in hacks}
    assert {"special_casing", "always_equal", "early_exit"} <= categories


def test_rollouts_built_from_candidates_carry_no_truth() -> None:
    _, pools = load_pools("heldout")
    candidate = next(iter(pools.values()))[0]
    rollout = candidate.as_rollout("r1")
    assert rollout.meta == {}
    assert rollout.code == candidate.code


def test_task_choice_is_deterministic_by_seed() -> None:
    _, pools = load_pools("heldout")
    assert choose_tasks(pools, 5, 3) == choose_tasks(pools, 5, 3)
    assert len(choose_tasks(pools, 5, 3)) == 5
