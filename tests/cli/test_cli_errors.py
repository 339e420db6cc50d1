"""Bad input, a full disk and a corrupt ``.gz`` end a command with one line and a documented code."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proctor.cli import app
from proctor.cli._errors import EXIT_BAD_INPUT_SCAN, EXIT_NO_SPACE

TASK = {
    "id": "t/add",
    "entry_point": "add",
    "reference": "def add(a, b):\n    return a + b\n",
    "visible": {"inputs": [[1, 2]]},
}
ROLLOUT = {"id": "r1", "task_id": "t/add", "code": "def add(a, b):\n    return a + b\n"}


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def _grade(tasks: Path, rollouts: Path, tmp_path: Path) -> tuple[int, str, str]:
    """``proctor grade`` on the two files, grades into tmp_path, no cache."""
    return _invoke(
        "grade",
        "--tasks",
        str(tasks),
        "--rollouts",
        str(rollouts),
        "--out",
        str(tmp_path / "g.jsonl"),
        "--no-cache",
    )


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture()
def tasks(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(TASK) + "\n")
    return path


def _corrupt_gz(path: Path) -> Path:
    data = bytearray(gzip.compress(os.urandom(4000) + (json.dumps(ROLLOUT) + "\n").encode() * 50))
    for i in range(30, 80):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def test_grade_corrupt_gzip_is_one_line_exit_2(tmp_path: Path, tasks: Path) -> None:
    rollouts = _corrupt_gz(tmp_path / "rollouts.jsonl.gz")
    code, _, err = _grade(tasks, rollouts, tmp_path)
    assert code == 2
    [line] = _error_lines(err)
    assert f"{rollouts}:1:" in line and "gzip" in line


def test_scan_corrupt_gzip_exits_4(tmp_path: Path, tasks: Path) -> None:
    rollouts = _corrupt_gz(tmp_path / "rollouts.jsonl.gz")
    code, _, err = _invoke(
        "scan", "--tasks", str(tasks), "--rollouts", str(rollouts), "--out", str(tmp_path / "scan")
    )
    assert code == EXIT_BAD_INPUT_SCAN
    assert len(_error_lines(err)) == 1


def test_ingest_corrupt_gzip_names_the_line(tmp_path: Path) -> None:
    good = (json.dumps(ROLLOUT) + "\n").encode()
    raw = bytearray(gzip.compress(good + os.urandom(6000)))
    for i in range(len(raw) // 2, len(raw) // 2 + 40):
        raw[i] ^= 0xFF
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(bytes(raw))
    code, _, err = _invoke("monitor", "ingest", str(tmp_path / "run"), str(path))
    assert code == 2
    [line] = _error_lines(err)
    assert str(path) in line


def test_scan_of_an_empty_file_is_an_error(tmp_path: Path, tasks: Path) -> None:
    empty = tmp_path / "rollouts.jsonl"
    empty.write_text("")
    code, _, err = _invoke(
        "scan", "--tasks", str(tasks), "--rollouts", str(empty), "--out", str(tmp_path / "scan")
    )
    assert code == EXIT_BAD_INPUT_SCAN
    [line] = _error_lines(err)
    assert str(empty) in line and "no rollouts" in line


def test_audit_of_an_empty_store_is_an_error(tmp_path: Path) -> None:
    run = tmp_path / "run"
    empty = tmp_path / "rollouts.jsonl"
    empty.write_text("")
    assert _invoke("monitor", "ingest", str(run), str(empty))[0] == 0
    code, _, err = _invoke("monitor", "audit", str(run), "--no-detect")
    assert code == EXIT_BAD_INPUT_SCAN
    assert "no rollouts" in _error_lines(err)[0]


def test_unknown_task_id_error_has_the_line(tmp_path: Path, tasks: Path) -> None:
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text(
        json.dumps(ROLLOUT) + "\n" + json.dumps(ROLLOUT | {"id": "r2", "task_id": "t/ad"}) + "\n"
    )
    code, _, err = _grade(tasks, rollouts, tmp_path)
    assert code == 2
    [line] = _error_lines(err)
    assert f"{rollouts}:2:" in line and "t/add" in line


def test_duplicate_ids_name_both_lines(tmp_path: Path, tasks: Path) -> None:
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text((json.dumps(ROLLOUT) + "\n") * 2)
    code, _, err = _grade(tasks, rollouts, tmp_path)
    assert code == 2
    [line] = _error_lines(err)
    assert f"{rollouts}:2:" in line and "line 1" in line


def test_partial_last_line_is_located(tmp_path: Path, tasks: Path) -> None:
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text(json.dumps(ROLLOUT) + "\n" + json.dumps(ROLLOUT)[:20])
    code, _, err = _grade(tasks, rollouts, tmp_path)
    assert code == 2
    [line] = _error_lines(err)
    assert f"{rollouts}:2:" in line and "cut off" in line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_grade_onto_a_full_disk_exits_5(tmp_path: Path, tasks: Path) -> None:
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text(json.dumps(ROLLOUT) + "\n")
    code, _, err = _invoke(
        "grade",
        "--tasks",
        str(tasks),
        "--rollouts",
        str(rollouts),
        "--out",
        "/dev/full",
        "--no-cache",
    )
    assert code == EXIT_NO_SPACE
    [line] = _error_lines(err)
    assert "No space left on device" in line


def test_ingest_into_a_full_store_exits_5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from proctor.runs import RunStore

    def full(*args: object, **kwargs: object) -> dict[str, int]:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(RunStore, "add_batch", full)
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text(json.dumps(ROLLOUT | {"completion": "x"}) + "\n")
    code, _, err = _invoke("monitor", "ingest", str(tmp_path / "run"), str(rollouts))
    assert code == EXIT_NO_SPACE
    [line] = _error_lines(err)
    assert "disk is full" in line


def test_ingest_warns_about_duplicate_ids(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    row = {"id": "same", "task_id": "t/add", "completion": "x", "step": 1}
    a.write_text(json.dumps(row) + "\n")
    b.write_text(json.dumps(row | {"completion": "y"}) + "\n")
    code, _, err = _invoke("monitor", "ingest", str(tmp_path / "run"), str(a), str(b))
    assert code == 0
    assert f"{b}:1: duplicate rollout id 'same'" in " ".join(err.split())
    assert "1 rollout(s) had an id already in the store" in " ".join(err.split())
