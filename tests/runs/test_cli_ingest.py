"""``proctor monitor ingest`` and ``proctor monitor watch`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import proctor.cli._monitor_ingest  # noqa: F401  (registers the commands, whatever cli/__init__ imports)
from proctor.cli import app
from proctor.runs import RunStore

FIXTURES = Path(__file__).parent / "fixtures"


def test_ingest_prints_counts_and_fills_the_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "monitor",
            "ingest",
            str(tmp_path / "run"),
            "--from",
            "verl",
            str(FIXTURES / "verl" / "rollout_data"),
            str(FIXTURES / "verl" / "metrics.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rollouts" in result.output and "8" in result.output
    with RunStore(tmp_path / "run", readonly=True) as store:
        assert store.counts()["rollouts"] == 8 and store.counts()["scalars"] == 10


def test_ingest_error_names_file_and_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "r.jsonl"
    bad.write_text(
        '{"id": "r1", "task_id": "t", "code": "x"}\n{oops\n{"id": "r2", "task_id": "t", '
        '"code": "y"}\n'
    )
    result = CliRunner().invoke(app, ["monitor", "ingest", str(tmp_path / "run"), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output.replace("\n", "")


def test_ingest_refuses_a_foreign_store(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.sqlite").write_text("not sqlite at all" * 50)
    result = CliRunner().invoke(
        app, ["monitor", "ingest", str(tmp_path / "run"), str(FIXTURES / "proctor")]
    )
    assert result.exit_code == 2 and "not a proctor run store" in result.output


def test_watch_once_ingests_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    log = tmp_path / "r.jsonl"
    log.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "task_id": "t", "code": "x", "step": i}) + "\n"
            for i in range(3)
        )
    )
    args = ["monitor", "watch", str(tmp_path / "run"), str(log), "--once"]
    assert CliRunner().invoke(app, args).exit_code == 0
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0
    with RunStore(tmp_path / "run", readonly=True) as store:
        assert store.counts()["rollouts"] == 3
