"""Reading probe rows from rollout JSONL: labels, prompts from tasks, located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proctor.io import RecordError
from proctor.probes import parse_label, read_probe_rows, rows_digest
from proctor.records import Task, TestSuite


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROW = {"id": "r1", "task_id": "t1", "prompt": "P", "completion": "C", "label": True}


def test_labels_from_the_top_level_or_meta(tmp_path: Path) -> None:
    rows = read_probe_rows(
        _write(
            tmp_path / "r.jsonl",
            [ROW, {**ROW, "id": "r2", "label": None, "meta": {"label": "honest"}}],
        ),
        require_labels=True,
    )
    assert [r.label for r in rows] == [True, False]


@pytest.mark.parametrize("value", ["hack", 1, "TRUE", True])
def test_hack_labels(value: object) -> None:
    assert parse_label(value) is True


def test_a_missing_label_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", [ROW, {**ROW, "id": "r2", "label": None}])
    with pytest.raises(RecordError) as err:
        read_probe_rows(path, require_labels=True)
    assert (err.value.line, err.value.field) == (2, "label")
    assert read_probe_rows(path)[1].label is None  # scoring does not need labels


def test_a_meaningless_label_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="maybe") as err:
        read_probe_rows(_write(tmp_path / "r.jsonl", [{**ROW, "label": "maybe"}]))
    assert err.value.line == 1


def test_the_prompt_comes_from_the_task_when_the_row_has_none(tmp_path: Path) -> None:
    row = {k: v for k, v in ROW.items() if k != "prompt"}
    path = _write(tmp_path / "r.jsonl", [row])
    with pytest.raises(RecordError, match="no prompt"):
        read_probe_rows(path)
    task = Task(
        id="t1", prompt="def f():", entry_point="f", visible=TestSuite(inputs=[[]], outputs=[1])
    )
    assert read_probe_rows(path, tasks={"t1": task})[0].prompt == "def f():"


def test_an_unknown_key_and_a_duplicate_id_are_located(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="promt"):
        read_probe_rows(_write(tmp_path / "a.jsonl", [{**ROW, "promt": "x"}]))
    with pytest.raises(RecordError, match="duplicate") as err:
        read_probe_rows(_write(tmp_path / "b.jsonl", [ROW, ROW]))
    assert err.value.line == 2


def test_the_rows_digest_ignores_order_but_not_labels(tmp_path: Path) -> None:
    rows = read_probe_rows(_write(tmp_path / "r.jsonl", [ROW, {**ROW, "id": "r2", "label": False}]))
    relabelled = read_probe_rows(_write(tmp_path / "f.jsonl", [ROW, {**ROW, "id": "r2"}]))
    assert rows_digest(rows) == rows_digest(rows[::-1])
    assert rows_digest(rows) != rows_digest(relabelled)
