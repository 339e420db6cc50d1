"""`monitor_alert`: the run monitor's open hack alerts, read from the run store, as a trainer hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.integrations.trl import monitor_alert
from proctor.records import DetectorSpec, Grade, Rollout, Verdict
from proctor.runs import RunStore


def _record(run: Path, step: int, hack: bool, n: int = 8) -> None:
    rollouts = [
        Rollout(id=f"s{step}-{i}", task_id="t", code="def f(): pass\n", step=step, reward=1.0)
        for i in range(n)
    ]
    grades = [
        Grade(rollout_id=r.id, task_id="t", grader="hardened", proxy=1.0, gold=0.0 if hack else 1.0)
        for r in rollouts
    ]
    verdicts = [
        Verdict(
            rollout_id=r.id,
            detector="ensemble",
            spec=DetectorSpec(name="ensemble"),
            label="hack" if hack else "clean",
            category="early_exit" if hack else None,
            confidence=0.99 if hack else 0.0,
        )
        for r in rollouts
    ]
    with RunStore(run) as store:
        store.add_rollouts(rollouts)
        store.add_grades(grades)
        store.add_verdicts(verdicts)


def test_no_store_yet_means_no_alert(tmp_path: Path) -> None:
    assert monitor_alert(tmp_path / "run")(0) is None


def test_clean_steps_raise_nothing(tmp_path: Path) -> None:
    for step in range(4):
        _record(tmp_path, step, hack=False)
    assert monitor_alert(tmp_path)(3) is None


def test_sustained_hacking_raises_the_monitors_hack_alert(tmp_path: Path) -> None:
    check = monitor_alert(tmp_path)
    for step in range(3):
        _record(tmp_path, step, hack=False)
    assert check(2) is None
    for step in range(3, 7):
        _record(tmp_path, step, hack=True)
    reason = check(6)
    assert reason is not None and "run monitor" in reason and "hack rate" in reason


def test_every_reuses_the_last_answer_between_analyses(tmp_path: Path) -> None:
    check = monitor_alert(tmp_path, every=5)
    for step in range(3):
        _record(tmp_path, step, hack=False)
    assert check(5) is None
    for step in range(3, 8):
        _record(tmp_path, step, hack=True)
    assert check(6) is None  # not re-analysed until step 10
    assert check(10) is not None


def test_bad_every_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every"):
        monitor_alert(tmp_path, every=0)
