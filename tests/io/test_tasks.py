"""read_tasks and the record file reader under it: formats, and errors that locate the problem."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proctor.io import RecordError, iter_records, read_tasks

WriteRecords = Callable[..., Path]  # the `write_records` fixture (tests/io/conftest.py)


def own_task(task_id: str = "t1", **fields: Any) -> dict[str, Any]:
    """A valid task in proctor's own format; ``fields`` override or add keys."""
    row: dict[str, Any] = {
        "id": task_id,
        "prompt": "def add(a, b):\n",
        "entry_point": "add",
        "visible": {"kind": "io", "inputs": [[1, 2], [3, 4]], "outputs": [3, 7]},
    }
    row.update(fields)
    return row


def evalplus_row(task_id: str = "HumanEval/0", **fields: Any) -> dict[str, Any]:
    """A valid HumanEval+ row; ``fields`` override or add keys."""
    row: dict[str, Any] = {
        "task_id": task_id,
        "prompt": "def add(a, b):\n",
        "entry_point": "add",
        "canonical_solution": "    return a + b\n",
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
        "contract": "",
        "base_input": [[1, 2], [3, 4]],
        "plus_input": [[5, 6], [7, 8], [9, 10]],
        "atol": 0,
    }
    row.update(fields)
    return row


def humaneval_row(task_id: str = "HumanEval/0") -> dict[str, Any]:
    row = evalplus_row(task_id)
    for key in ("contract", "base_input", "plus_input", "atol"):
        del row[key]
    return row


def read_error(path: Path, **kwargs: Any) -> RecordError:
    with pytest.raises(RecordError) as info:
        read_tasks(path, **kwargs)
    return info.value


# --- proctor's own format ---------------------------------------------------------


def test_own_format_reads_plain_json_values(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([own_task(heldout={"inputs": [[0, 0]], "outputs": [0]})]))
    assert (task.id, task.entry_point) == ("t1", "add")
    assert task.visible.inputs == [[1, 2], [3, 4]]
    assert task.heldout is not None and task.heldout.outputs == [0]


def test_source_names_file_and_line(write_records: WriteRecords) -> None:
    path = write_records([own_task("a"), "", own_task("b")])
    assert [t.source for t in read_tasks(path)] == [f"{path}:1", f"{path}:3"]


def test_blank_lines_are_skipped(write_records: WriteRecords) -> None:
    path = write_records(["", "   ", own_task("a"), "\t", own_task("b"), ""])
    assert [t.id for t in read_tasks(path)] == ["a", "b"]


def test_tagged_values_are_decoded(write_records: WriteRecords) -> None:
    suite = {
        "inputs": [[{"$tuple": [1, 2]}], [{"$set": [3]}]],
        "outputs": [{"$frozenset": [1]}, {"$bytes": "ff"}],
    }
    (task,) = read_tasks(write_records([own_task(visible=suite)]))
    assert task.visible.inputs == [[(1, 2)], [{3}]]
    assert task.visible.outputs == [frozenset({1}), b"\xff"]


def test_bad_tagged_value_names_its_index(write_records: WriteRecords) -> None:
    suite = {"inputs": [[1], [{"$tuple": [1]}], [{"$set": [[1]]}]], "outputs": [1, 2, 3]}
    err = read_error(write_records([own_task(visible=suite)]))
    assert err.field == "visible.inputs.2"
    assert "unhashable" in err.message


# --- errors that locate the problem --------------------------------------------------


def test_bad_json_line_names_file_and_line(write_records: WriteRecords) -> None:
    path = write_records([own_task("a"), '{"id": "b", "prompt": }'])
    err = read_error(path)
    assert (err.path, err.line, err.field) == (str(path), 2, None)
    assert str(err).startswith(f"{path}:2: invalid JSON: Expecting value (column 23)")


def test_cut_off_line_gets_a_hint(write_records: WriteRecords) -> None:
    err = read_error(write_records(['{"id": "a", "entry_']))
    assert err.hint is not None and "cut off" in err.hint


def test_line_that_is_not_an_object_is_an_error(write_records: WriteRecords) -> None:
    err = read_error(write_records(["[1, 2]"]))
    assert (err.line, err.message) == (1, "expected a JSON object, got a JSON array")


def test_invalid_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "\xff"}\n')
    err = read_error(path)
    assert err.line == 1 and "UTF-8" in err.message


@pytest.mark.parametrize(
    ("line", "problem"),
    [("[" * 100_000 + "]" * 100_000, "nested too deeply"), ('{"a": ' + "9" * 5000 + "}", "digits")],
)
def test_hostile_json_is_an_error_not_a_crash(
    write_records: WriteRecords, line: str, problem: str
) -> None:
    err = read_error(write_records([line]))
    assert err.line == 1 and problem in err.message


def test_missing_field_names_the_field_with_a_hint(write_records: WriteRecords) -> None:
    row = own_task()
    del row["entry_point"]
    err = read_error(write_records([own_task("a"), row], name="tasks.jsonl"))
    assert (err.line, err.field, err.message) == (2, "entry_point", "Field required")
    assert str(err).endswith(
        ":2: field 'entry_point': Field required — every task needs the name of the function under test"
    )


def test_wrong_type_deep_inside_names_the_dotted_path(write_records: WriteRecords) -> None:
    suite = {"inputs": [[1, 2], [3, 4], 5], "outputs": [3, 7, 5]}
    err = read_error(write_records([own_task(visible=suite)]))
    assert err.field == "visible.inputs.2"
    assert err.message == "Input should be a valid list, got 5"
    assert err.hint is not None and "positional arguments" in err.hint


def test_message_has_no_pydantic_url(write_records: WriteRecords) -> None:
    err = read_error(write_records([own_task(atol="loose")]))
    assert err.field == "atol"
    assert "http" not in err.message and "pydantic" not in err.message


def test_suite_rule_is_reported_on_the_suite(write_records: WriteRecords) -> None:
    suite = {"inputs": [[1], [2]], "outputs": [1]}
    err = read_error(write_records([own_task(visible=suite)]))
    assert (err.field, err.message) == ("visible", "`outputs` has 1 value(s) for 2 input(s)")


def test_misspelt_key_suggests_the_right_one(write_records: WriteRecords) -> None:
    row = own_task()
    row["entry_piont"] = row.pop("entry_point")
    err = read_error(write_records([row]))
    assert err.field == "entry_point"
    assert err.hint == "the record has `entry_piont`: did you mean `entry_point`?"


def test_unknown_nested_key_suggests_the_right_one(write_records: WriteRecords) -> None:
    err = read_error(write_records([own_task(visible={"input": [[1]], "outputs": [1]})]))
    assert (err.field, err.hint) == ("visible.input", "did you mean `inputs`?")


def test_more_problems_in_a_record_are_counted(write_records: WriteRecords) -> None:
    err = read_error(write_records([{"id": "a"}]))
    assert err.message.endswith("(+1 more problem in this record)")


def test_duplicate_ids_name_both_lines(write_records: WriteRecords) -> None:
    err = read_error(write_records([own_task("a"), own_task("b"), own_task("a")]))
    assert (err.line, err.field) == (3, "id")
    assert "duplicate task id 'a', first defined on line 1" in err.message


def test_without_skip_invalid_the_first_error_is_raised(write_records: WriteRecords) -> None:
    err = read_error(write_records(["{", own_task(entry_point="")]))
    assert err.line == 1


def test_skip_invalid_continues_and_reports_each_error(write_records: WriteRecords) -> None:
    rows = [own_task("a"), "not json", own_task("b", entry_point="1x"), own_task("c"), "[]"]
    skipped: list[RecordError] = []
    tasks = read_tasks(write_records(rows), skip_invalid=True, on_skip=skipped.append)
    assert [t.id for t in tasks] == ["a", "c"]
    assert [e.line for e in skipped] == [2, 3, 5]


def test_skip_invalid_without_callback_logs(
    write_records: WriteRecords, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="proctor.io"):
        tasks = read_tasks(write_records(["nope", own_task()]), skip_invalid=True)
    assert len(tasks) == 1
    assert "skipped" in caplog.text and ":1: invalid JSON" in caplog.text


def test_unknown_choice_is_a_value_error(write_records: WriteRecords) -> None:
    with pytest.raises(ValueError, match="visible must be 'base' or 'test', got 'plus'"):
        read_tasks(write_records([own_task()]), visible="plus")


# --- file formats ------------------------------------------------------------------------


def test_jsonl_gz_is_read(write_records: WriteRecords) -> None:
    path = write_records([own_task("a"), own_task("b")], name="tasks.jsonl.gz")
    assert [t.id for t in read_tasks(path)] == ["a", "b"]


def test_gzip_is_recognised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(gzip.compress(json.dumps(own_task()).encode()))
    assert [t.id for t in read_tasks(path)] == ["t1"]


def test_json_list_gives_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([own_task("a"), own_task("b")], indent=2))
    tasks = read_tasks(path)
    assert [t.id for t in tasks] == ["a", "b"]
    second = path.read_text().splitlines().index("  {", 2) + 1  # where "b" starts
    assert tasks[1].source == f"{path}:{second}"


def test_json_file_must_hold_a_list(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(own_task()))
    err = read_error(path)
    assert err.message == "a .json file must hold a list of records"


def test_json_list_element_that_is_not_an_object_can_be_skipped(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text("[\n" + json.dumps(own_task()) + ",\n 7\n]\n")
    skipped: list[RecordError] = []
    assert len(read_tasks(path, skip_invalid=True, on_skip=skipped.append)) == 1
    assert [(e.line, e.message) for e in skipped] == [
        (3, "expected a JSON object in the list, got a JSON number")
    ]


def test_line_over_the_size_limit_is_an_error_not_a_crash(write_records: WriteRecords) -> None:
    path = write_records([{"a": 1}, {"b": "x" * 5000}, {"c": 3}])
    skipped: list[RecordError] = []
    records = list(iter_records(path, on_error=skipped.append, max_line_bytes=1000))
    assert [line for line, _ in records] == [1, 3]
    assert [(e.line, e.message) for e in skipped] == [
        (2, "line is longer than the 1000 byte limit")
    ]


def test_line_exactly_at_the_size_limit_is_read(write_records: WriteRecords) -> None:
    row = {"b": "x" * 100}
    path = write_records([row])
    size = len(json.dumps(row))
    assert list(iter_records(path, max_line_bytes=size)) == [(1, row)]


# --- HumanEval and HumanEval+ ---------------------------------------------------------


def test_evalplus_base_and_plus(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([evalplus_row()]))
    assert task.reference == "def add(a, b):\n    return a + b\n"
    assert (task.visible.kind, task.visible.inputs, task.visible.outputs) == (
        "io",
        [[1, 2], [3, 4]],
        None,
    )
    assert task.heldout is not None and len(task.heldout) == 3 and task.heldout.outputs is None


def test_evalplus_visible_test_uses_the_assert_suite(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([evalplus_row()]), visible="test")
    assert task.visible.kind == "assert"
    assert task.visible.code is not None and "def check(candidate)" in task.visible.code


def test_evalplus_gold_none_has_no_heldout(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([evalplus_row()]), gold="none")
    assert task.heldout is None


def test_evalplus_empty_plus_input_has_no_heldout(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([evalplus_row(plus_input=[])]))
    assert task.heldout is None


def test_evalplus_atol_is_kept(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([evalplus_row(atol=1e-6)]))
    assert task.atol == 1e-6


def test_find_zero_gets_the_poly_root_oracle(write_records: WriteRecords) -> None:
    rows = [evalplus_row("HumanEval/32", entry_point="find_zero"), evalplus_row("HumanEval/1")]
    assert [t.oracle for t in read_tasks(write_records(rows))] == ["poly_root", "equal"]


def test_evalplus_errors_name_the_key_in_the_file(write_records: WriteRecords) -> None:
    err = read_error(write_records([evalplus_row(base_input=[[1], 2])]))
    assert err.field == "base_input.1"
    err = read_error(write_records([evalplus_row(plus_input="oops")]))
    assert err.field == "plus_input"


def test_evalplus_missing_key_is_named(write_records: WriteRecords) -> None:
    row = evalplus_row()
    del row["canonical_solution"]
    err = read_error(write_records([row]))
    assert (err.field, err.message) == ("canonical_solution", "Field required")


def test_evalplus_non_string_key_is_named(write_records: WriteRecords) -> None:
    err = read_error(write_records([evalplus_row(prompt=3)]))
    assert (err.field, err.message) == ("prompt", "expected a string, got int")


def test_evalplus_duplicate_id_names_task_id(write_records: WriteRecords) -> None:
    err = read_error(write_records([evalplus_row(), evalplus_row()]))
    assert (err.line, err.field) == (2, "task_id")


def test_plain_humaneval_has_assert_visible_and_no_heldout(write_records: WriteRecords) -> None:
    (task,) = read_tasks(write_records([humaneval_row()]), visible="base", gold="plus")
    assert task.visible.kind == "assert"
    assert task.heldout is None
    assert task.reference == "def add(a, b):\n    return a + b\n"


def test_plain_humaneval_test_without_check_names_test(write_records: WriteRecords) -> None:
    row = humaneval_row()
    row["test"] = "assert add(1, 2) == 3"
    err = read_error(write_records([row]))
    assert err.field == "test"
    assert "check(candidate)" in err.message


@pytest.mark.shared_data
def test_humanevalplus_file(humanevalplus: Path) -> None:
    tasks = read_tasks(humanevalplus)
    assert len(tasks) == 164
    by_id = {t.id: t for t in tasks}
    assert sum(len(t.visible) for t in tasks) == 1570
    assert sum(len(t.heldout) for t in tasks if t.heldout is not None) == 122683
    assert (len(by_id["HumanEval/0"].visible), len(by_id["HumanEval/0"].heldout or [])) == (7, 999)
    assert [t.id for t in tasks if t.oracle == "poly_root"] == ["HumanEval/32"]
    assert by_id["HumanEval/32"].atol == 1e-4


@pytest.mark.shared_data
def test_humanevalplus_file_with_assert_suites(humanevalplus: Path) -> None:
    tasks = read_tasks(humanevalplus, visible="test", gold="none")
    assert len(tasks) == 164
    assert all(t.visible.kind == "assert" and t.heldout is None for t in tasks)
