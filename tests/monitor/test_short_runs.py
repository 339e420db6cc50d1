"""Runs shorter than any rule's window are analysed without error (no alert from nothing)."""

from __future__ import annotations

import pytest

from proctor.monitor import analyse
from proctor.records import Grade, Rollout


@pytest.mark.parametrize("steps", range(1, 13))
def test_any_run_length_is_analysed(steps: int) -> None:
    # 4 steps against the 6-step gold/proxy window once broke the divergence slicing
    rollouts = [
        Rollout(id=f"r{s}", task_id="t", code="x = 1\n", step=s, reward=1.0) for s in range(steps)
    ]
    grades = [
        Grade(rollout_id=f"r{s}", task_id="t", grader="hardened", proxy=1.0, gold=0.5)
        for s in range(steps)
    ]
    analysis = analyse(rollouts, grades)
    assert analysis.status in ("ok", "warning", "hack")
    assert all(a.severity != "hack" for a in analysis.alerts if a.signal_kind != "oracle")
