"""Every "install the extra" hint names the extra (rich must not eat ``[serve]`` as markup)."""

from __future__ import annotations

import builtins
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from proctor.cli import app
from proctor.cli._app import install_hint, print_error

TASK = {
    "id": "t/add",
    "entry_point": "add",
    "reference": "def add(a, b):\n    return a + b\n",
    "visible": {"inputs": [[1, 2]]},
}


def _hide(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``import name`` fail as it would where the extra is not installed."""
    real = builtins.__import__

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in names:
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)


def test_print_error_keeps_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    print_error(f"needs ruptures: {install_hint('changepoint')}")
    assert "pip install 'proctor[changepoint]'" in capsys.readouterr().err


def test_serve_hint_names_the_serve_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(TASK) + "\n")
    _hide(monkeypatch, "uvicorn", "fastapi")
    result = CliRunner().invoke(app, ["serve", "rewards", "--tasks", str(tasks)])
    assert result.exit_code == 2
    assert "pip install 'proctor[serve]'" in result.stderr


def test_parquet_hint_names_the_parquet_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "completions_00001.parquet"
    table.write_bytes(b"PAR1")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    result = CliRunner().invoke(
        app, ["monitor", "ingest", str(tmp_path / "run"), str(table), "--from", "trl"]
    )
    assert result.exit_code == 2
    assert "proctor[parquet]" in result.stderr


def test_sink_hint_names_the_wandb_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    rows = [
        {"id": f"r{i}", "task_id": "t/add", "completion": "x", "step": i, "reward": 1.0}
        for i in range(3)
    ]
    (tmp_path / "rollouts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest = CliRunner().invoke(
        app, ["monitor", "ingest", str(run), str(tmp_path / "rollouts.jsonl")]
    )
    assert ingest.exit_code == 0, ingest.output
    _hide(monkeypatch, "wandb")
    result = CliRunner().invoke(
        app, ["monitor", "report", str(run), "--sink", "wandb", "--out", str(tmp_path / "r.html")]
    )
    assert "pip install 'proctor[wandb]'" in result.stderr
