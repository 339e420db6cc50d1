"""The record validators: inconsistent records are refused at construction."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from proctor.records import Grade, Rollout, Task, TestSuite


def suite(**fields: Any) -> TestSuite:
    return TestSuite.model_validate(fields)


def task(**fields: Any) -> Task:
    data: dict[str, Any] = {
        "id": "t",
        "entry_point": "f",
        "visible": {"inputs": [[1]], "outputs": [1]},
    }
    data.update(fields)
    return Task.model_validate(data)


def test_outputs_must_match_inputs_in_length() -> None:
    with pytest.raises(ValidationError, match=r"`outputs` has 1 value\(s\) for 2 input\(s\)"):
        suite(inputs=[[1], [2]], outputs=[1])


def test_io_suite_without_outputs_is_allowed() -> None:
    assert len(suite(inputs=[[1], [2]])) == 2


def test_io_suite_refuses_code() -> None:
    with pytest.raises(ValidationError, match="an io suite takes `inputs`, not `code`"):
        suite(inputs=[[1]], code="def check(candidate): pass")


def test_assert_suite_needs_check() -> None:
    with pytest.raises(ValidationError, match="defines check"):
        suite(kind="assert", code="assert True")


def test_assert_suite_without_code_is_refused() -> None:
    with pytest.raises(ValidationError, match="defines check"):
        suite(kind="assert")


def test_assert_suite_refuses_inputs() -> None:
    with pytest.raises(ValidationError, match="takes `code`, not `inputs`"):
        suite(kind="assert", code="def check(candidate): pass", inputs=[[1]])


def test_assert_suite_counts_as_one_test() -> None:
    assert len(suite(kind="assert", code="def check(candidate):\n    assert candidate(1)\n")) == 1


def test_unknown_suite_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        suite(inputs=[[1]], expected=[1])


def test_rollout_needs_completion_or_code() -> None:
    with pytest.raises(ValidationError, match="needs `completion`, `code`, `messages` or `files`"):
        Rollout(id="r", task_id="t")


def test_rollout_with_empty_completion_is_allowed() -> None:
    assert Rollout(id="r", task_id="t", completion="").completion == ""


def test_rollout_step_is_not_negative() -> None:
    with pytest.raises(ValidationError):
        Rollout(id="r", task_id="t", code="", step=-1)


def test_task_without_reference_needs_visible_outputs() -> None:
    with pytest.raises(ValidationError, match="the visible suite has no `outputs`"):
        task(visible={"inputs": [[1]]})


def test_task_without_reference_needs_heldout_outputs() -> None:
    with pytest.raises(ValidationError, match="the heldout suite has no `outputs`"):
        task(heldout={"inputs": [[2]]})


def test_task_with_reference_may_omit_outputs() -> None:
    t = task(visible={"inputs": [[1]]}, heldout={"inputs": [[2]]}, reference="def f(x): return x")
    assert t.visible.outputs is None and t.heldout is not None


def test_task_with_assert_suite_needs_no_reference() -> None:
    assert task(visible={"kind": "assert", "code": "def check(candidate): pass"}).reference is None


@pytest.mark.parametrize("name", ["", "1f", "f x", "f-g", "f()"])
def test_entry_point_must_be_an_identifier(name: str) -> None:
    with pytest.raises(ValidationError):
        task(entry_point=name)


def test_atol_is_not_negative() -> None:
    with pytest.raises(ValidationError):
        task(atol=-1e-6)


def test_unknown_oracle_is_refused() -> None:
    with pytest.raises(ValidationError):
        task(oracle="close_enough")


def test_grade_gap_is_proxy_minus_gold() -> None:
    g = Grade(rollout_id="r", task_id="t", grader="hardened", proxy=1.0, gold=0.25)
    assert g.gap == 0.75


def test_grade_gap_is_none_without_gold() -> None:
    assert Grade(rollout_id="r", task_id="t", grader="hardened", proxy=1.0).gap is None


def test_grade_scores_are_fractions() -> None:
    with pytest.raises(ValidationError):
        Grade(rollout_id="r", task_id="t", grader="hardened", proxy=1.5)


def test_numeric_ids_become_strings() -> None:
    # trainers and MBPP write numeric ids; they are ids, not numbers
    rollout = Rollout.model_validate({"id": 7, "task_id": 11, "code": "x = 1"})
    assert (rollout.id, rollout.task_id) == ("7", "11")
