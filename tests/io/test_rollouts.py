"""read_rollouts, check_rollouts_against_tasks, and how RecordError reads."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proctor.io import RecordError, check_rollouts_against_tasks, read_rollouts
from proctor.records import Rollout, Task, TestSuite

WriteRecords = Callable[..., Path]  # the `write_records` fixture (tests/io/conftest.py)


def rollout(rollout_id: str = "r1", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": rollout_id, "task_id": "HumanEval/0", "completion": "x = 1"}
    row.update(fields)
    return row


def read_error(path: Path) -> RecordError:
    with pytest.raises(RecordError) as info:
        read_rollouts(path)
    return info.value


def task(task_id: str) -> Task:
    return Task(id=task_id, entry_point="f", visible=TestSuite(inputs=[[1]], outputs=[1]))


def test_reads_required_and_optional_fields(write_records: WriteRecords) -> None:
    full = rollout(
        "r2",
        code="def f(): pass",
        step=3,
        group="g",
        prompt="p",
        reward=0.5,
        meta={"k": [1]},
        transcript=[{"role": "user"}],
    )
    rollouts = read_rollouts(write_records([rollout(), full]))
    assert [r.id for r in rollouts] == ["r1", "r2"]
    assert (rollouts[1].step, rollouts[1].reward, rollouts[1].meta) == (3, 0.5, {"k": [1]})


def test_code_alone_is_enough(write_records: WriteRecords) -> None:
    row = rollout(code="def f(): pass")
    del row["completion"]
    (r,) = read_rollouts(write_records([row]))
    assert (r.code, r.completion) == ("def f(): pass", None)


def test_rollout_without_completion_or_code_is_an_error(write_records: WriteRecords) -> None:
    row = rollout()
    del row["completion"]
    err = read_error(write_records([row]))
    assert (err.line, err.field, err.message) == (
        1,
        None,
        "a rollout needs `completion`, `code`, `messages` or `files`",
    )


def test_rollout_id_is_not_an_alias_but_gets_a_hint(write_records: WriteRecords) -> None:
    row = rollout()
    row["rollout_id"] = row.pop("id")
    err = read_error(write_records([row]))
    assert (err.field, err.hint) == ("id", "the record has `rollout_id`: did you mean `id`?")


def test_close_unknown_key_suggests_the_known_one(write_records: WriteRecords) -> None:
    err = read_error(write_records([rollout(rewrad=1.0)]))
    assert (err.field, err.message) == ("rewrad", "Extra inputs are not permitted")
    assert err.hint == "did you mean `reward`?"


def test_far_unknown_key_lists_the_accepted_keys(write_records: WriteRecords) -> None:
    err = read_error(write_records([rollout(zzz=1)]))
    assert err.hint is not None and err.hint.startswith(
        "accepted keys: code, completion, files, format_version, group"
    )


def test_wrong_type_names_the_field_and_value(write_records: WriteRecords) -> None:
    err = read_error(write_records([rollout(), rollout("r2", step=-1)]))
    assert (err.line, err.field) == (2, "step")
    assert err.message == "Input should be greater than or equal to 0, got -1"


def test_duplicate_ids_name_both_lines(write_records: WriteRecords) -> None:
    err = read_error(write_records([rollout("a"), rollout("b"), rollout("a")]))
    assert (err.line, err.field) == (3, "id")
    assert "duplicate rollout id 'a', first defined on line 1" in err.message


def test_skip_invalid_continues_and_reports_count(write_records: WriteRecords) -> None:
    rows = [rollout("a"), "{oops", rollout("b", step="x"), rollout("a"), rollout("c")]
    skipped: list[RecordError] = []
    rollouts = read_rollouts(write_records(rows), skip_invalid=True, on_skip=skipped.append)
    assert [r.id for r in rollouts] == ["a", "c"]
    assert [e.line for e in skipped] == [2, 3, 4]


def test_jsonl_gz_is_read(write_records: WriteRecords) -> None:
    path = write_records([rollout("a"), rollout("b")], name="rollouts.jsonl.gz")
    assert [r.id for r in read_rollouts(path)] == ["a", "b"]


def test_unknown_task_is_an_error_with_a_close_match() -> None:
    rollouts = [
        Rollout(id="r1", task_id="HumanEval/1", code="x"),
        Rollout(id="r2", task_id="HumanEvl/2", code="x"),
    ]
    with pytest.raises(RecordError) as info:
        check_rollouts_against_tasks(rollouts, [task("HumanEval/1"), task("HumanEval/2")])
    assert info.value.field == "task_id"
    assert "rollout 'r2' answers task 'HumanEvl/2', which is not loaded" in info.value.message
    assert info.value.hint is not None and info.value.hint.startswith("did you mean 'HumanEval/2'")


def test_unknown_task_can_be_skipped() -> None:
    rollouts = [Rollout(id="r1", task_id="a", code="x"), Rollout(id="r2", task_id="zzz", code="x")]
    skipped: list[RecordError] = []
    kept = check_rollouts_against_tasks(
        rollouts, {"a": task("a")}, skip_invalid=True, on_skip=skipped.append
    )
    assert [r.id for r in kept] == ["r1"]
    assert len(skipped) == 1 and skipped[0].hint is None


def test_record_error_reads_like_a_compiler_message() -> None:
    err = RecordError(
        "Field required",
        path="tasks.jsonl",
        line=12,
        field="entry_point",
        hint="every task needs the name of the function under test",
    )
    assert str(err) == (
        "tasks.jsonl:12: field 'entry_point': Field required"
        " — every task needs the name of the function under test"
    )
    assert isinstance(err, ValueError)


def test_record_error_without_location_is_just_the_message() -> None:
    assert str(RecordError("bad")) == "bad"


def test_record_error_survives_pickling() -> None:
    err = RecordError("bad", path="x.jsonl", line=3, field="a.0", hint="fix it")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.path, copy.line, copy.field, copy.message, copy.hint, str(copy)) == (
        "x.jsonl",
        3,
        "a.0",
        "bad",
        "fix it",
        str(err),
    )
