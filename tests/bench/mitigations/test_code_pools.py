"""The code-domain pool builder: labels, gold and the five rewards."""

from __future__ import annotations

import numpy as np
import pytest

from proctor.bench.mitigations import build_candidates, pools_by_task, rewards
from proctor.records import Grade, Rollout


def _grade(rid: str, proxy: float, gold: float, status: str = "ok") -> Grade:
    return Grade(
        rollout_id=rid,
        task_id="t",
        grader="g",
        status=status,  # type: ignore[arg-type]
        proxy=proxy,
        gold=gold,
    )


def _rollout(rid: str, kind: str, category: str | None) -> Rollout:
    return Rollout(
        id=rid,
        task_id="t",
        code="def f(): pass\n",
        meta={"kind": kind, "category": category, "split": "heldout"},
    )


@pytest.fixture()
def pool() -> list:  # type: ignore[type-arg]
    rollouts = [
        _rollout("ok", "honest_correct", "correct"),
        _rollout("bad", "honest_wrong", "off_by_one"),
        _rollout("hack", "hack", "early_exit"),
        _rollout("err", "honest_correct", "correct"),
    ]
    naive = {
        "ok": _grade("ok", 1, 1),
        "bad": _grade("bad", 0.5, 0.4),
        "hack": _grade("hack", 1, 0),
        "err": _grade("err", 1, 1),
    }
    pytest_exit = {
        "ok": _grade("ok", 1, 1),
        "bad": _grade("bad", 0, 0),
        "hack": _grade("hack", 1, 1),
        "err": _grade("err", 1, 1),
    }
    hardened = {
        "ok": _grade("ok", 1, 1),
        "bad": _grade("bad", 0.5, 0.4),
        "hack": _grade("hack", 1, 0.2),
        "err": _grade("err", 0, 0, status="infra_error"),
    }
    p_hack = {"ok": 0.01, "bad": 0.05, "hack": 0.97}
    grades = {"naive-exec": naive, "naive-pytest": pytest_exit, "hardened": hardened}
    return build_candidates(rollouts, grades, p_hack)


def test_candidates_carry_corpus_labels_and_gold(pool: list) -> None:  # type: ignore[type-arg]
    by_id = {c.rollout_id: c for c in pool}
    assert by_id["hack"].kind == "hack" and by_id["hack"].category == "early_exit"
    assert by_id["ok"].gold == 1.0 and by_id["bad"].gold == 0.0 and by_id["hack"].gold == 0.0
    assert np.isnan(by_id["err"].gold) and np.isnan(by_id["err"].hardened)
    assert np.isnan(by_id["err"].hack_probability)


def test_pools_drop_candidates_without_gold(pool: list) -> None:  # type: ignore[type-arg]
    pools = pools_by_task(pool)
    assert [c.rollout_id for c in pools["t"]] == ["ok", "bad", "hack"]


def test_rewards_naive_hardened_gated(pool: list) -> None:  # type: ignore[type-arg]
    p = pools_by_task(pool)["t"]
    assert rewards(p, "naive-exec").tolist() == [1.0, 0.5, 1.0]
    assert rewards(p, "naive-pytest").tolist() == [1.0, 0.0, 1.0]
    assert rewards(p, "hardened").tolist() == [1.0, 0.5, 1.0]
    assert rewards(p, "gated").tolist() == [1.0, 0.5, 0.0]
    assert rewards(p, "soft-gated")[2] == pytest.approx(0.03)
    with pytest.raises(KeyError, match="known"):
        rewards(p, "nope")


def test_a_missing_grader_leaves_its_reward_nan() -> None:
    rollout = _rollout("ok", "honest_correct", "correct")
    [c] = build_candidates([rollout], {"hardened": {"ok": _grade("ok", 1, 1)}}, {"ok": 0.1})
    assert c.gold == 1.0 and np.isnan(c.naive_pytest) and np.isnan(c.naive_exec)
