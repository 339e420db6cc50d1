"""Hangs are bounded by the reference's time, and a second time-out ends the rollout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from proctor.graders import TIME_FACTOR, HardenedGrader
from proctor.records import Rollout, Task, TestSuite
from proctor.sandbox import Limits

FLOOR = 0.3
FAST = Task(
    id="t/hang-fast",
    prompt="def f(x):\n",
    entry_point="f",
    reference="def f(x):\n    return x + 1\n",
    visible=TestSuite(inputs=[[i] for i in range(4)]),
    heldout=TestSuite(inputs=[[i] for i in range(4, 20)]),
)
SLEEPY = Task(  # the reference takes ~0.1 s a test: the per-test limit scales past the floor
    id="t/hang-sleepy",
    prompt="def f(x):\n",
    entry_point="f",
    reference="import time\ndef f(x):\n    time.sleep(0.1)\n    return x + 1\n",
    visible=TestSuite(inputs=[[1], [2]]),
    heldout=TestSuite(inputs=[[3], [4]]),
)

MIXED = Task(  # one slow test (~0.1 s in the reference), the rest instant
    id="t/hang-mixed",
    prompt="def f(x):\n",
    entry_point="f",
    reference="import time\ndef f(x):\n    if x == 0:\n        time.sleep(0.1)\n    return x + 1\n",
    visible=TestSuite(inputs=[[0], [1]]),
    heldout=TestSuite(inputs=[[i] for i in range(2, 12)]),
)


@pytest.fixture(scope="module")
def grader() -> Iterator[HardenedGrader]:
    limits = Limits(wall=30.0, test=FLOOR, restarts=30)
    with HardenedGrader(limits=limits, keep_tests=True, test_isolation="off") as g:
        yield g


def _grade(grader: HardenedGrader, task: Task, code: str):
    return grader.grade(task, Rollout(id="r", task_id=task.id, code=code))


def test_an_endless_loop_is_cut_after_two_tests(grader: HardenedGrader) -> None:
    grade = _grade(grader, FAST, "def f(x):\n    while True:\n        pass\n")
    assert grade.tests is not None
    statuses = [t.status for t in grade.tests]
    assert statuses == ["timeout"] * 2 + ["missing"] * 18  # 2 tests run of 20
    assert grade.tests[2].detail == "not run: the rollout ended after 2 tests timed out"
    assert any(w.startswith("rollout ended early: 2 tests timed out") for w in grade.warnings)
    # CPU counters: two per-test limits of spinning, not twenty
    assert grade.stats.cpu_ms < 4 * FLOOR * 1000
    assert grader.time_budget(FAST).per_test_s == FLOOR  # the reference is fast: the floor


def test_two_hangs_end_the_rollout_one_does_not(grader: HardenedGrader) -> None:
    two = _grade(
        grader, FAST, "def f(x):\n    while x in (1, 6):\n        pass\n    return x + 1\n"
    )
    assert (two.visible_passed, two.heldout_passed) == (3, 2)  # 4, 5 pass; 7..19 not run
    assert [t.status for t in two.tests or []].count("missing") == 13
    one = _grade(grader, FAST, "def f(x):\n    while x == 6:\n        pass\n    return x + 1\n")
    assert (one.visible_passed, one.heldout_passed) == (4, 15)
    assert not one.warnings


def test_a_slow_but_correct_solution_within_the_factor_is_not_cut(grader: HardenedGrader) -> None:
    budget = grader.time_budget(SLEEPY)
    assert budget.reference_slowest_s >= 0.1
    assert budget.per_test_s == pytest.approx(TIME_FACTOR * budget.reference_slowest_s)
    assert budget.per_test_s > FLOOR
    # 5× the reference's time on every test: past the floor, within the factor
    code = "import time\ndef f(x):\n    time.sleep(0.5)\n    return x + 1\n"
    grade = _grade(grader, SLEEPY, code)
    assert (grade.proxy, grade.gold, grade.warnings) == (1.0, 1.0, [])


def test_the_budget_comes_from_the_cached_reference_timing(tmp_path) -> None:
    limits = Limits(wall=30.0, test=FLOOR)
    with HardenedGrader(limits=limits, cache_dir=tmp_path) as first:
        measured = first.time_budget(SLEEPY)
    with HardenedGrader(limits=limits, cache_dir=tmp_path) as second:
        again = second.time_budget(SLEEPY)
        assert second.expected.computed == 0  # read from the cache, not re-run
    assert again == measured


def test_timeouts_to_end_zero_runs_every_test() -> None:
    limits = Limits(wall=30.0, test=0.2, restarts=30)
    with HardenedGrader(limits=limits, keep_tests=True, timeouts_to_end=0) as g:
        code = "def f(x):\n    while x in (1, 2, 3):\n        pass\n    return x + 1\n"
        grade = _grade(g, FAST, code)
    assert [t.status for t in grade.tests or []].count("timeout") == 3
    assert grade.heldout_passed == 16 and not grade.warnings


def test_a_hang_on_a_quick_test_is_cut_at_that_tests_own_limit(grader: HardenedGrader) -> None:
    # the task's slowest test allows ~1 s; the hangs are on tests the reference ran at once
    assert grader.time_budget(MIXED).per_test_s >= 3 * FLOOR
    code = "def f(x):\n    while x in (5, 6):\n        pass\n    return x + 1\n"
    grade = _grade(grader, MIXED, code)
    assert [t.status for t in grade.tests or []].count("timeout") == 2
    # CPU counters: two spins of the floor (0.6 s), not two of the slowest test's limit
    assert grade.stats.cpu_ms < 4 * FLOOR * 1000
