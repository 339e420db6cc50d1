"""`proctor lab run|sweep|pack|list` through the real commands (typer's runner)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from proctor.bench.lab import LabConfig
from proctor.cli import app
from proctor.records import Grade, Rollout

runner = CliRunner()
TINY = [
    "--steps",
    "3",
    "--tasks",
    "2",
    "--tasks-per-step",
    "2",
    "--group-size",
    "3",
    "--workers",
    "1",
]


def _sweep(out: Path, seed: int, grader: str, steps: int, *extra: str) -> Any:
    """`proctor lab sweep` of one tiny run (config from a file) into ``out``."""
    config = out / "tiny.json"
    config.write_text(
        json.dumps({"steps": steps, "tasks": 2, "tasks_per_step": 1, "group_size": 2, "workers": 1})
    )
    return runner.invoke(
        app,
        [
            "lab",
            "sweep",
            "--out",
            str(out),
            "--seeds",
            str(seed),
            "--graders",
            grader,
            "--config",
            str(config),
            *extra,
        ],
    )


def _lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_lab_run_writes_the_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["lab", "run", "--out", str(out), "--grader", "hardened", "--seed", "5", *TINY]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["complete"] and manifest["steps_done"] == 3
    assert manifest["grader"] == "hardened" and manifest["seed"] == 5
    assert LabConfig.model_validate(manifest["config"]).group_size == 3
    # the recorded command names every non-default setting, so it repeats the run
    assert "--seed 5" in manifest["command"] and "--group-size 3" in manifest["command"]
    rollouts = [Rollout.model_validate(r) for r in _lines(out / "rollouts.jsonl.gz")]
    grades = [Grade.model_validate(g) for g in _lines(out / "grades.jsonl.gz")]
    assert len(rollouts) == len(grades) == 3 * 2 * 3
    assert [s["step"] for s in _lines(out / "scalars.jsonl.gz")] == [0, 1, 2]


def test_lab_run_bad_setting_names_the_field(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lab", "run", "--out", str(tmp_path / "r"), "--group-size", "1"])
    assert result.exit_code == 2
    assert "group_size" in result.output
    assert not (tmp_path / "r").exists()


def test_lab_sweep_uses_a_config_file_and_names_runs(tmp_path: Path) -> None:
    result = _sweep(tmp_path, 7, "naive-exec", 2, "--exclude-family", "test_targeting")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "naive-exec-no-test_targeting-s7" / "run.json").read_text())
    assert manifest["config"]["exclude_families"] == ["test_targeting"]
    assert manifest["steps_done"] == 2 and manifest["config"]["group_size"] == 2


def test_lab_sweep_tag_goes_into_the_run_names(tmp_path: Path) -> None:
    result = _sweep(tmp_path, 3, "hardened", 1, "--tag", "learning")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "hardened-learning-s3" / "run.json").read_text())
    assert manifest["name"] == "hardened-learning-s3"


def test_lab_sweep_refuses_a_tag_that_is_not_a_plain_word(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["lab", "sweep", "--out", str(tmp_path), "--seeds", "3", "--tag", "../escape"]
    )
    assert result.exit_code == 2
    assert "--tag" in result.output and not any(tmp_path.iterdir())


def test_lab_pack_keeps_rollouts_and_drops_failure_details(tmp_path: Path) -> None:
    src = tmp_path / "run"
    assert (
        runner.invoke(
            app, ["lab", "run", "--out", str(src), "--grader", "naive-exec", "--seed", "6", *TINY]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["lab", "pack", str(src), str(tmp_path / "packed")])
    assert result.exit_code == 0, result.output
    packed = tmp_path / "packed"
    assert _lines(packed / "rollouts.jsonl.gz") == _lines(src / "rollouts.jsonl.gz")
    before = [Grade.model_validate(g) for g in _lines(src / "grades.jsonl.gz")]
    after = [Grade.model_validate(g) for g in _lines(packed / "grades.jsonl.gz")]
    assert [(g.rollout_id, g.proxy, g.gold) for g in after] == [
        (g.rollout_id, g.proxy, g.gold) for g in before
    ]
    assert all(not g.failures for g in after)
    assert "packed" in json.loads((packed / "run.json").read_text())


def test_lab_pack_refuses_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lab", "pack", str(tmp_path), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "run.json" in result.output
    assert not (tmp_path / "out").exists()


def test_lab_list_shows_the_shipped_runs() -> None:
    result = runner.invoke(app, ["lab", "list"])
    assert result.exit_code == 0, result.output
    assert "hacking" in result.output and "benign" in result.output
