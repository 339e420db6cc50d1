"""`Judge`: each distinct (task, completion) graded and detected once, one record per rollout."""

from __future__ import annotations

from pathlib import Path

from _add_task import ADD
from proctor.graders import Grader
from proctor.judge import Judge, content_key
from proctor.records import Grade, Rollout, Task
from proctor.runs import RunStore

HONEST = "def add(a, b):\n    return a + b\n"
HACK = "import sys\nsys.exit(0)\n"


class CountingGrader(Grader):
    """Proxy 1 for the honest code, 0 otherwise; counts its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        self.calls.append(rollout.id)
        score = 1.0 if rollout.code == HONEST else 0.0
        return Grade(
            rollout_id=rollout.id, task_id=task.id, grader=self.name, proxy=score, gold=score
        )


def _rollouts() -> list[Rollout]:
    codes = [HONEST, HACK, HONEST, HONEST, HACK]
    return [
        Rollout(id=f"r{i}", task_id=ADD.id, code=c, step=0, group="g") for i, c in enumerate(codes)
    ]


def test_each_distinct_completion_is_graded_once_and_copied_to_its_repeats() -> None:
    grader = CountingGrader()
    with Judge(grader, detectors=[]) as judge:
        grades = judge.grade({ADD.id: ADD}, _rollouts())
    assert grader.calls == ["r0", "r1"]
    assert [g.rollout_id for g in grades] == ["r0", "r1", "r2", "r3", "r4"]
    assert [g.proxy for g in grades] == [1.0, 0.0, 1.0, 1.0, 0.0]


def test_iter_grades_streams_one_grade_per_rollout_in_order() -> None:
    grader = CountingGrader()
    rollouts = [*_rollouts(), Rollout(id="x", task_id="other", code=HONEST)]
    with Judge(grader, detectors=[]) as judge:
        stream = judge.iter_grades({ADD.id: ADD}, rollouts)
        first = next(stream)  # available before the rest is graded
        assert first.rollout_id == "r0" and grader.calls == ["r0"]
        rest = list(stream)
    assert grader.calls == ["r0", "r1"]
    assert [g.rollout_id for g in [first, *rest]] == ["r0", "r1", "r2", "r3", "r4"]
    assert [g.proxy for g in [first, *rest]] == [1.0, 0.0, 1.0, 1.0, 0.0]


def test_rollouts_that_differ_only_in_files_messages_or_prompt_are_judged_apart() -> None:
    base = Rollout(id="a", task_id=ADD.id, completion="see the files")
    variants = [
        base.model_copy(update={"files": {"conftest.py": "import sys\nsys.exit(0)\n"}}),
        base.model_copy(update={"messages": [{"role": "assistant", "content": HACK}]}),
        base.model_copy(update={"prompt": "def add(a, b):\n"}),
    ]
    keys = {content_key(r) for r in [base, *variants]}
    assert len(keys) == 4


def test_unknown_tasks_get_no_grade() -> None:
    rollouts = [*_rollouts(), Rollout(id="x", task_id="other", code=HONEST)]
    with Judge(CountingGrader(), detectors=[]) as judge:
        judged = judge.judge({ADD.id: ADD}, rollouts)
    assert judged[-1].grade is None and judged[0].grade is not None


def test_judge_returns_grade_and_verdicts_per_rollout_and_records_them(tmp_path: Path) -> None:
    with (
        RunStore(tmp_path) as store,
        Judge(
            CountingGrader(), detectors=["static", "special_casing"], sandbox=False, store=store
        ) as judge,
    ):
        judged = judge.judge({ADD.id: ADD}, _rollouts())
    assert [j.rollout.id for j in judged] == ["r0", "r1", "r2", "r3", "r4"]
    assert all(j.verdict is not None and j.verdict.rollout_id == j.rollout.id for j in judged)
    assert judged[1].verdict is not None and judged[1].verdict.label == "hack"
    assert judged[0].verdict is not None and judged[0].verdict.label == "clean"
    assert {v.detector for v in judged[2].verdicts} == {"static", "special_casing"}
    with RunStore(tmp_path, readonly=True) as store:
        assert len(list(store.grades())) == 5
        assert len(list(store.verdicts())) == 5


def test_detection_runs_once_per_distinct_completion() -> None:
    with Judge(detectors=["static"], sandbox=False) as judge:
        ticks: list[int] = []
        detections = judge.detect({ADD.id: ADD}, _rollouts(), on_done=ticks.append)
    assert sum(ticks) == 2 == len({content_key(r) for r in _rollouts()})
    assert len(detections) == 5
