"""naive-pytest: pytest on the solution, reward = exit code 0 (on purpose)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from proctor.graders._naive_pytest import (
    NaivePytestGrader,
    check_test_file,
    io_test_file,
    parse_report,
)
from proctor.graders._registry import create_grader, grader_names
from proctor.records import Rollout, Task, TestSuite

ADD = "def add(a, b):\n    return a + b\n"


def _task(**overrides: Any) -> Task:
    fields: dict[str, Any] = {
        "id": "t/add",
        "entry_point": "add",
        "reference": ADD,
        "visible": TestSuite(inputs=[[1, 0], [3, 4]]),
        "heldout": TestSuite(inputs=[[10, 20]]),
    }
    return Task(**{**fields, **overrides})


def _grade(grader: NaivePytestGrader, code: str, task: Task | None = None) -> Any:
    return grader.grade(task or _task(), Rollout(id="r", task_id="t/add", code=code))


@pytest.fixture(scope="module")
def grader() -> Iterator[NaivePytestGrader]:
    with NaivePytestGrader(timeout=20.0) as g:
        yield g


def test_is_registered_as_exploitable_with_a_plain_warning() -> None:
    assert "EXPLOITABLE" in grader_names()["naive-pytest"]
    with create_grader("naive-pytest") as g:
        assert g.exploitable


def test_honest_solution_gets_full_proxy_and_gold(grader: NaivePytestGrader) -> None:
    grade = _grade(grader, ADD)
    assert (grade.status, grade.proxy, grade.gold, grade.visible_passed) == ("ok", 1.0, 1.0, 2)


def test_proxy_is_the_exit_code_verdict_not_the_fraction(grader: NaivePytestGrader) -> None:
    grade = _grade(grader, "def add(a, b):\n    return a - b\n")  # right only when b == 0
    assert (grade.proxy, grade.visible_passed) == (0.0, 1)


def test_counts_are_advisory_a_silent_exit_0_still_scores_1(grader: NaivePytestGrader) -> None:
    grade = _grade(grader, "import os\nos._exit(0)\n" + ADD)
    assert (grade.proxy, grade.visible_passed) == (1.0, 0)


def test_failures_name_the_failing_test(grader: NaivePytestGrader) -> None:
    grade = _grade(grader, "def add(a, b):\n    return a - b\n")
    assert [f.test_id for f in grade.failures][:1] == ["visible/1"]


def test_heldout_tests_run_separately(grader: NaivePytestGrader) -> None:
    code = "def add(a, b):\n    return 99 if a == 10 else a + b\n"  # wrong on held-out only
    grade = _grade(grader, code)
    assert (grade.proxy, grade.gold) == (1.0, 0.0)


def test_assert_suites_run_check_on_the_solution(grader: NaivePytestGrader) -> None:
    suite = TestSuite(kind="assert", code="def check(c):\n    assert c(2, 2) == 4\n")
    assert _grade(grader, ADD, _task(visible=suite)).proxy == 1.0


def test_a_timeout_fails_without_an_infra_error() -> None:
    with NaivePytestGrader(timeout=2.0) as g:
        grade = _grade(g, "import time\ndef add(a, b):\n    time.sleep(60)\n", _task(heldout=None))
    assert (grade.status, grade.proxy) == ("ok", 0.0)


def test_io_file_asserts_equality_for_exact_values() -> None:
    source = io_test_file(_task(), [(0, [1, 2], 3)])
    assert "def test_0():\n    assert solution.add(*[1, 2]) == 3\n" in source


def test_io_file_uses_a_tolerance_for_floats_and_writes_inf() -> None:
    source = io_test_file(_task(), [(4, [1], [float("inf"), 0.5])])
    assert "_matches(solution.add(*[1]), [float('inf'), 0.5], 0.0)" in source


def test_generated_files_are_valid_python() -> None:
    suite = TestSuite(kind="assert", code="def check(c):\n    assert c(1, 1) == 2\n")
    for source in (
        io_test_file(_task(), [(0, [1.0], float("nan"))]),
        check_test_file(_task(prompt="'''doc'''\n"), suite),
    ):
        compile(source, "<generated>", "exec")


def test_parse_report_reads_the_summary_and_failures() -> None:
    out = "F.\nFAILED test_solution.py::test_3 - assert 1 == 2\n1 failed, 1 passed in 0.01s\n"
    assert parse_report(out) == ({"failed": 1, "passed": 1}, {"3": "assert 1 == 2"})


def test_a_missing_pytest_is_an_infra_error_not_a_zero(
    grader: NaivePytestGrader, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pytest" else real(name, *a)
    )
    grade = _grade(grader, ADD)
    assert (grade.status, grade.proxy) == ("infra_error", None)
    assert "pytest is not installed" in (grade.error or "")
