"""One rollout's fault stays that rollout's; parsing is never concurrent."""

from __future__ import annotations

import ast
import threading
import time
from typing import Any

import pytest

from _add_task import ADD
from proctor.graders import HardenedGrader
from proctor.graders._base import Grader
from proctor.io import program_for
from proctor.records import Grade, Rollout, Task


class _Flaky(Grader):
    name = "flaky"

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        if rollout.id == "bad":
            raise SystemError("AST constructor recursion depth mismatch (simulated)")
        return Grade(rollout_id=rollout.id, task_id=task.id, grader=self.name, proxy=1.0)


def test_one_rollouts_exception_is_its_own_infra_error() -> None:
    rollouts = [Rollout(id=i, task_id=ADD.id, code="x") for i in ("a", "bad", "c")]
    grades = list(_Flaky().grade_many([(ADD, r) for r in rollouts], workers=3))
    assert [g.status for g in grades] == ["ok", "infra_error", "ok"]
    assert "SystemError" in (grades[1].error or "")


def test_program_parsing_is_serialised(monkeypatch: pytest.MonkeyPatch) -> None:
    inside = [0]
    most = [0]
    real = ast.parse

    def slow_parse(*args: Any, **kwargs: Any) -> Any:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.01)  # hold the parser long enough for a second thread to enter
        inside[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", slow_parse)
    rollout = Rollout(id="r", task_id=ADD.id, code="def add(a, b):\n    return a + b\n")
    threads = [threading.Thread(target=program_for, args=(ADD, rollout)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_the_judges_cpu_per_rollout_is_reported() -> None:
    with HardenedGrader() as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code="def add(a, b): return a+b"))
    assert grade.status == "ok"
    assert 0 < grade.stats.judge_cpu_ms < 60_000
