"""grade_many starts the slowest tasks first (timing from the reference run) and still
yields in input order."""

from __future__ import annotations

from pathlib import Path

from proctor.graders._hardened import HardenedGrader
from proctor.records import Grade, Rollout, Task, TestSuite
from proctor.sandbox import Limits


def _task(name: str, pause: float) -> Task:
    code = f"import time\n\ndef f(x):\n    time.sleep({pause})\n    return x\n"
    return Task(
        id=f"t/{name}",
        prompt="def f(x):\n",
        entry_point="f",
        reference=code,
        visible=TestSuite(inputs=[[1], [2]]),
    )


def test_the_slowest_task_starts_first(tmp_path: Path) -> None:
    quick, slow, middle = _task("quick", 0.0), _task("slow", 0.4), _task("middle", 0.15)
    pairs = [
        (task, Rollout(id=f"r{k}", task_id=task.id, code="def f(x):\n    return x\n"))
        for k, task in enumerate([quick, slow, middle, quick])
    ]
    started: list[str] = []
    with HardenedGrader(
        workers=1, limits=Limits(wall=20.0, test=5.0), cache_dir=tmp_path
    ) as grader:
        real = grader.grade

        def recording(task: Task, rollout: Rollout) -> Grade:
            started.append(rollout.id)
            return real(task, rollout)

        grader.grade = recording  # type: ignore[method-assign]
        grades = list(grader.grade_many(pairs, workers=1))
        assert (
            grader.reference_seconds(slow)
            > grader.reference_seconds(middle)
            > grader.reference_seconds(quick)
        )
    assert started == ["r1", "r2", "r0", "r3"]  # by reference time, ties in input order
    assert [g.rollout_id for g in grades] == ["r0", "r1", "r2", "r3"]
    assert all(g.proxy == 1.0 for g in grades)
