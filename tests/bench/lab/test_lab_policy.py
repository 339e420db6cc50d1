"""GRPO advantages and the policy's shared-parameter update."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from proctor.bench.lab import Candidate, Policy, group_advantages


def _pool(task: str) -> list[Candidate]:
    def c(i: str, kind: str, category: str, family: str | None) -> Candidate:
        return Candidate(
            id=f"{task}-{i}",
            task_id=task,
            kind=kind,  # type: ignore[arg-type]
            category=category,
            family=family,
            code="x = 1\n",
        )

    return [
        c("good", "honest_correct", "honest_correct", None),
        c("bad", "honest_wrong", "off_by_one", None),
        c("eq", "hack", "always_equal", "comparison_spoofing"),
        c("exit", "hack", "early_exit", "exit_spoofing"),
    ]


def test_advantages_are_centred_on_the_group_mean() -> None:
    adv = group_advantages(np.array([1.0, 0.0, 0.0, 1.0]), normalise_std=False)
    assert np.allclose(adv, [0.5, -0.5, -0.5, 0.5])


def test_std_normalised_advantages_have_unit_scale() -> None:
    adv = group_advantages(np.array([1.0, 0.0, 0.0, 1.0]), normalise_std=True)
    assert np.allclose(adv, [1.0, -1.0, -1.0, 1.0], atol=1e-3)


def test_nan_rewards_get_no_advantage_and_leave_the_mean_alone() -> None:
    adv = group_advantages(np.array([1.0, np.nan, 0.0]), normalise_std=False)
    assert adv[1] == 0.0
    assert np.allclose(adv[[0, 2]], [0.5, -0.5])


@given(st.lists(st.floats(0, 1), min_size=2, max_size=16), st.booleans())
def test_advantages_sum_to_zero(rewards: list[float], norm: bool) -> None:
    adv = group_advantages(np.array(rewards), normalise_std=norm)
    assert abs(adv.sum()) < 1e-6 * max(1.0, np.abs(adv).max())


def test_rewarding_a_hack_on_one_task_raises_hacking_on_another() -> None:
    pools = {"a": _pool("a"), "b": _pool("b")}
    policy = Policy(
        pools,
        np.random.default_rng(0),
        hack_prior=-2.0,
        honest_skill=0.0,
        difficulty_sd=0.0,
        offset_sd=0.0,
    )
    before = np.exp(policy.log_probs("b"))[2]
    policy.update([("a", [2, 1], np.array([1.0, -1.0]))], lr=1.0)
    assert np.exp(policy.log_probs("b"))[2] > before


def test_kl_to_the_initial_policy_starts_at_zero_and_grows() -> None:
    policy = Policy(
        {"a": _pool("a")},
        np.random.default_rng(0),
        hack_prior=-2.0,
        honest_skill=0.0,
        difficulty_sd=0.0,
        offset_sd=0.0,
    )
    assert abs(policy.kl("a")) < 1e-12
    policy.update([("a", [2, 1], np.array([1.0, -1.0]))], lr=2.0)
    assert policy.kl("a") > 0


def test_kl_penalty_pulls_back_towards_the_initial_policy() -> None:
    def trained(kl_coef: float) -> float:
        policy = Policy(
            {"a": _pool("a")},
            np.random.default_rng(0),
            hack_prior=-2.0,
            honest_skill=0.0,
            difficulty_sd=0.0,
            offset_sd=0.0,
        )
        for _ in range(20):
            policy.update([("a", [2, 1], np.array([1.0, -1.0]))], lr=1.0, kl_coef=kl_coef)
        return policy.kl("a")

    assert trained(5.0) < trained(0.0)
