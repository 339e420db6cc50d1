"""The job-isolation attacks against the hardened grader: each is held."""

from __future__ import annotations

from _add_task import ADD
from proctor.bench.attacks import run_attacks
from proctor.bench.attacks._catalogue import ATTACKS

_NEW = ["memory_remnant", "ipc_channel", "deep_tree_cleanup", "forge_infra_error",
        "hash_collision_result"]  # fmt: skip


def test_isolation_attacks_are_in_the_catalogue() -> None:
    assert set(_NEW) <= set(ATTACKS)


def test_isolation_attacks_get_nothing_from_the_hardened_grader() -> None:
    results = run_attacks([ADD], graders=["hardened"], attacks=_NEW, timeout=10.0)
    assert {r.attack for r in results} == set(_NEW)
    for result in results:
        assert not result.fooled, (result.attack, result.reason)
        assert result.proxy == 0.0, (result.attack, result.reason)  # a grade, not an infra error
