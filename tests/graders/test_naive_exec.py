"""naive-exec: the candidate runs in the same process as the expected values (on purpose)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from proctor.common import py_literal
from proctor.graders._contained import namespaces_available
from proctor.graders._naive_exec import NaiveExecGrader
from proctor.graders._registry import create_grader, grader_names
from proctor.records import Rollout, Task, TestSuite

ADD = "def add(a, b):\n    return a + b\n"


def _task(**overrides: Any) -> Task:
    fields: dict[str, Any] = {
        "id": "t/add",
        "entry_point": "add",
        "reference": ADD,
        "prompt": 'def add(a, b):\n    """Add."""\n',
        "visible": TestSuite(inputs=[[1, 0], [3, 4]]),
        "heldout": TestSuite(inputs=[[10, 20]]),
    }
    return Task(**{**fields, **overrides})


def _grade(grader: NaiveExecGrader, code: str, task: Task | None = None) -> Any:
    return grader.grade(task or _task(), Rollout(id="r", task_id="t/add", code=code))


@pytest.fixture(scope="module")
def grader() -> Iterator[NaiveExecGrader]:
    with NaiveExecGrader(timeout=5.0) as g:
        yield g


def test_is_registered_as_exploitable_with_a_plain_warning() -> None:
    assert "EXPLOITABLE" in grader_names()["naive-exec"]
    with create_grader("naive-exec") as g:
        assert g.exploitable


def test_honest_solution_gets_full_proxy_and_gold(grader: NaiveExecGrader) -> None:
    grade = _grade(grader, ADD)
    assert (grade.status, grade.proxy, grade.gold) == ("ok", 1.0, 1.0)


def test_proxy_is_the_fraction_of_visible_tests_passed(grader: NaiveExecGrader) -> None:
    grade = _grade(grader, "def add(a, b):\n    return a - b\n")  # right only when b == 0
    assert (grade.proxy, grade.visible_passed, grade.visible_total) == (0.5, 1, 2)


def test_an_exception_fails_only_its_own_test(grader: NaiveExecGrader) -> None:
    grade = _grade(
        grader, "def add(a, b):\n    if b == 0:\n        raise ValueError('no')\n    return a + b\n"
    )
    assert [(f.test_id, f.status) for f in grade.failures] == [("visible/0", "error")]


def test_assert_suites_run_check_against_the_candidate(grader: NaiveExecGrader) -> None:
    suite = TestSuite(kind="assert", code="def check(c):\n    assert c(2, 2) == 4\n")
    grade = _grade(grader, ADD, _task(visible=suite))
    assert (grade.proxy, grade.visible_total) == (1.0, 1)


def test_no_summary_means_every_test_failed_even_with_exit_code_0(grader: NaiveExecGrader) -> None:
    # As human-eval: a run that leaves no result fails, whatever its exit status.
    grade = _grade(grader, "import os\nos._exit(0)\n" + ADD)
    assert (grade.status, grade.proxy, grade.gold) == ("ok", 0.0, 0.0)


def test_a_timeout_is_a_failing_verdict_not_an_infra_error() -> None:
    with NaiveExecGrader(timeout=1.0) as g:
        grade = _grade(g, "import time\ndef add(a, b):\n    time.sleep(60)\n")
    assert (grade.status, grade.proxy, grade.failures[0].status) == ("ok", 0.0, "timeout")


def test_a_forged_summary_line_is_trusted(grader: NaiveExecGrader) -> None:
    # The documented hole: the parent believes the last summary line on stdout.
    summary = '{"visible": [["pass"], ["pass"]]}'
    forged = f"print('__naive_exec_summary__' + {summary!r}, flush=True)\nimport os\nos._exit(0)\n"
    assert _grade(grader, forged).proxy == 1.0


def test_expected_values_come_from_the_reference(grader: NaiveExecGrader) -> None:
    task = _task(reference="def add(a, b):\n    return 42\n")  # a "reference" that says 42
    assert _grade(grader, "def add(a, b):\n    return 42\n", task).proxy == 1.0


def test_a_reference_that_does_not_load_is_an_infra_error(grader: NaiveExecGrader) -> None:
    task = _task(id="t/broken", reference="raise RuntimeError('broken reference')\n")
    grade = _grade(grader, ADD, task)
    assert (grade.status, grade.proxy) == ("infra_error", None)


def test_non_finite_float_outputs_compare_as_in_the_hardened_grader(
    grader: NaiveExecGrader,
) -> None:
    code = "def add(a, b):\n    return [float('inf'), float('nan'), a / 3]\n"
    task = _task(reference=code, heldout=None)
    assert _grade(grader, code, task).proxy == 1.0


def test_sandbox_lists_host_protection_only(grader: NaiveExecGrader) -> None:
    expected = (
        ["rlimits", "userns", "pidns", "netns", "private-proc"]
        if namespaces_available()
        else ["rlimits"]
    )
    assert _grade(grader, ADD).sandbox == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -(10**5000),
        1.5,
        float("inf"),
        -float("inf"),
        "é\n'\"",
        b"\x00",
        complex(1, -2),
        (1,),
        (),
        [1, [2.5, "x"]],
        {"k": (1, 2)},
        {(1, 2): None},
        {1, 2},
        frozenset({"a"}),
        set(),
    ],
    ids=lambda v: type(v).__name__,
)
def test_py_literal_evaluates_back_to_the_same_value(value: Any) -> None:
    back = eval(
        py_literal(value),
        {
            "__builtins__": {},
            "float": float,
            "complex": complex,
            "set": set,
            "frozenset": frozenset,
        },
    )
    assert (type(back), back) == (type(value), value)


def test_py_literal_writes_nan_so_it_evaluates_to_nan() -> None:
    assert math.isnan(eval(py_literal(float("nan")), {"float": float}))
