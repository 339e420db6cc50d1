"""Held-out tests run in a new order per rollout, and one is probed alone: state between
tests cannot buy a held-out pass."""

from __future__ import annotations

from _add_task import ADD
from proctor.graders import HardenedGrader
from proctor.records import Rollout

# Wrong on the first call in a process, right afterwards: passes every test but one
# when all tests share one child.
_WARMS_UP = """
_seen = []
def add(a, b):
    _seen.append(1)
    return a + b if len(_seen) > 1 else -1
"""


def test_a_program_that_needs_earlier_inputs_is_flagged_and_loses_the_test() -> None:
    with HardenedGrader() as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=_WARMS_UP))
    assert grade.status == "ok"
    assert "order_dependent" in grade.tamper
    assert grade.gold is not None and grade.gold <= 0.75  # the probed test fails too


def test_an_honest_program_is_not_flagged() -> None:
    code = "def add(a, b):\n    return a + b\n"
    with HardenedGrader() as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=code))
    assert (grade.proxy, grade.gold, grade.tamper) == (1.0, 1.0, [])


def test_probing_can_be_turned_off() -> None:
    with HardenedGrader(test_isolation="off") as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=_WARMS_UP))
    assert grade.tamper == [] and grade.gold == 1.0


# Right only on the first call of a process: passes a test only when it runs alone.
_FIRST_CALL_ONLY = """
_seen = []
def add(a, b):
    _seen.append(1)
    return a + b if len(_seen) == 1 else -1
"""


def test_fresh_mode_fails_every_heldout_test_of_a_state_keeping_program() -> None:
    with HardenedGrader(test_isolation="fresh") as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=_WARMS_UP))
    assert grade.status == "ok"
    assert grade.gold == 0.0 and grade.heldout_total == 4
    assert "order_dependent" in grade.tamper
    assert grade.proxy == 0.5  # visible tests share one child (the first call is wrong)


def test_fresh_mode_runs_each_heldout_test_in_its_own_child() -> None:
    rollout = Rollout(id="r", task_id=ADD.id, code=_FIRST_CALL_ONLY)
    with HardenedGrader(test_isolation="fresh") as grader:
        fresh = grader.grade(ADD, rollout)
    with HardenedGrader(test_isolation="off") as grader:
        shared = grader.grade(ADD, rollout)
    assert (fresh.gold, fresh.tamper) == (1.0, [])  # every held-out call was a first call
    assert shared.gold == 0.0  # one child: only the first (visible) call was right


def test_fresh_mode_passes_an_honest_program() -> None:
    code = "def add(a, b):\n    return a + b\n"
    with HardenedGrader(test_isolation="fresh") as grader:
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=code))
        budget = grader.wall_budget(ADD)
    assert (grade.proxy, grade.gold, grade.tamper) == (1.0, 1.0, [])
    with HardenedGrader() as grader:
        assert budget > grader.wall_budget(ADD)  # one child per held-out test is budgeted


def test_the_probe_run_is_counted_in_the_rollouts_cost() -> None:
    code = "def add(a, b):\n    return a + b\n"
    with HardenedGrader() as grader:
        spent: list[float] = []
        run_batch = grader.pool.run_batch

        def counted(*args: object, **kwargs: object) -> object:
            batch = run_batch(*args, **kwargs)
            spent.append(batch.cpu_s)
            return batch

        grader.pool.run_batch = counted
        grader._plan(ADD)  # expected outputs first: the reference's runs are not the rollout's
        spent.clear()
        grade = grader.grade(ADD, Rollout(id="r", task_id=ADD.id, code=code))
    assert len(spent) == 2  # all tests, then the probe alone
    assert grade.stats.cpu_ms == sum(spent) * 1000
