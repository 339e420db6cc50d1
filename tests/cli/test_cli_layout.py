"""Terminal layout: one line per flagged rollout at 80 columns; the bar names the slow task."""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console

from proctor.cli._detect import verdict_table
from proctor.cli._inflight import InFlight, SlowestColumn
from proctor.records import Grade, Rollout, Task, TestSuite


def _row(i: int, label: str) -> dict[str, Any]:
    return {
        "rollout_id": f"HumanEval/{i}/sample-{i:04d}-with-a-long-suffix",
        "label": label,
        "category": "special_casing_of_visible_tests",
        "confidence": 0.9 - i / 100,
        "evidence": [
            {
                "text": "returns a literal table of the visible tests' expected "
                "outputs keyed by input " * 3,
                "line": 17,
            }
        ],
    }


def test_flagged_table_is_one_line_per_row_at_80_columns() -> None:
    rows = [_row(i, "hack" if i % 2 else "unsure") for i in range(6)]
    console = Console(width=80, record=True, color_system=None)
    console.print(verdict_table(rows, "6 rollouts"))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    body = [line for line in lines if "HumanEval/" in line]
    assert len(body) == 6  # no row wrapped onto a second line
    assert all(("hack" in line or "unsure" in line) and "line 17" in line for line in body)


class _SlowGrader:
    """Stands in for a grader: `grade` blocks until released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        self.release.wait(10)
        return Grade(rollout_id=rollout.id, task_id=task.id, grader="x", status="ok")


def test_the_bar_names_the_slowest_task_in_flight() -> None:
    now = [100.0]
    tracker = InFlight(clock=lambda: now[0])
    grader = _SlowGrader()
    tracker.track(grader)  # type: ignore[arg-type]
    task = Task(
        id="HumanEval/12",
        entry_point="f",
        reference="def f(): pass",
        visible=TestSuite(inputs=[[]]),
    )
    rollout = Rollout(id="r", task_id=task.id, completion="")
    worker = threading.Thread(target=grader.grade, args=(task, rollout))
    worker.start()
    try:
        for _ in range(200):
            if tracker.slowest() is not None:
                break
            threading.Event().wait(0.01)
        now[0] += 41
        text = SlowestColumn(tracker).render(None)  # type: ignore[arg-type]
        assert text.plain == "slowest: HumanEval/12 41s"
    finally:
        grader.release.set()
        worker.join(10)
    assert tracker.slowest() is None  # finished grades leave the bar
