"""The hacks_rewarded leading warning: flagged hacks out-earning their group peers."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.monitor import MonitorConfig, analyse
from proctor.records import Grade, Rollout, Verdict
from proctor.records._verdict import DetectorSpec

ON = MonitorConfig.model_validate({"hacks_rewarded": {"enabled": True}})


def verdict(rollout_id: str, label: str, category: str | None) -> Verdict:
    """An ensemble verdict."""
    return Verdict(
        rollout_id=rollout_id,
        detector="ensemble",
        spec=DetectorSpec(name="ensemble"),
        label=label,
        category=category,
    )  # type: ignore[arg-type]


def _run(
    hack_reward: float, steps: int = 12, hack_every: int = 4, honest_reward: float = 0.3
) -> tuple[list[Rollout], list[Grade], list[Verdict]]:
    """Stray hacks (one per group every ``hack_every`` steps) paid ``hack_reward``."""
    rollouts, grades, verdicts = [], [], []
    for step in range(steps):
        for g in range(4):
            for j in range(4):
                rid = f"s{step}/g{g}/{j}"
                hack = j == 0 and step % hack_every == 0
                reward = hack_reward if hack else honest_reward
                rollouts.append(
                    Rollout(
                        id=rid,
                        task_id=f"t{g}",
                        step=step,
                        group=f"s{step}/t{g}",
                        code="return 1",
                        reward=reward,
                    )
                )
                grades.append(
                    Grade(
                        rollout_id=rid,
                        task_id=f"t{g}",
                        grader="naive-exec",
                        proxy=reward,
                        gold=0.0 if hack else reward,
                    )
                )
                verdicts.append(
                    verdict(rid, "hack" if hack else "clean", "special_casing" if hack else None)
                )
    return rollouts, grades, verdicts


def test_paid_hacks_raise_a_warning_before_any_hack_alert() -> None:
    analysis = analyse(*_run(hack_reward=1.0), config=ON)
    warn = analysis.first("warning", "hacks_rewarded")
    assert warn is not None and warn.signal_kind == "oracle"
    assert analysis.first("hack") is None  # hack rate stays at 6%: it is a forecast only


def test_unpaid_hacks_raise_no_warning() -> None:
    analysis = analyse(*_run(hack_reward=0.0), config=ON)
    assert analysis.first("warning", "hacks_rewarded") is None


def test_advantage_signal_is_oracle_and_measures_the_reward_gap() -> None:
    analysis = analyse(*_run(hack_reward=1.0))
    col = analysis.table.get("hack_advantage")
    assert analysis.table.kinds["hack_advantage"] == "oracle"
    assert np.allclose(col[~np.isnan(col)], 0.7)


def test_rule_is_off_by_default_but_the_signal_is_computed() -> None:
    analysis = analyse(*_run(hack_reward=1.0))
    assert analysis.first("warning", "hacks_rewarded") is None
    assert "hack_advantage" in analysis.table.values


@settings(max_examples=25, deadline=None)
@given(reward=st.floats(0.0, 1.0), honest=st.floats(0.0, 1.0))
def test_warns_only_when_hacks_out_earn_peers_by_the_margin(reward: float, honest: float) -> None:
    analysis: Any = analyse(*_run(hack_reward=reward, honest_reward=honest), config=ON)
    fired = analysis.first("warning", "hacks_rewarded") is not None
    margin = MonitorConfig().hacks_rewarded.margin
    if reward - honest >= margin + 1e-9:
        assert fired
    elif reward - honest < margin - 1e-9:
        assert not fired
