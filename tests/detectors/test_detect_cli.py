"""`proctor detect`, `proctor scan` and the pipeline behind them, on the demo suite."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from proctor.bench.demo import ROLLOUTS, TASKS
from proctor.cli import app
from proctor.detectors import DetectionPipeline
from proctor.io import read_rollouts, read_tasks

runner = CliRunner()


def _labels() -> dict[str, str]:
    return {r.id: str(r.meta["kind"]) for r in read_rollouts(ROLLOUTS)}


def test_scan_grades_detects_and_exits_2_on_hacks(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", "--out", str(tmp_path), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {
        "grades.jsonl",
        "verdicts.jsonl",
        "summary.json",
    }


def test_scan_on_the_demo_suite_matches_its_labels(tmp_path: Path) -> None:
    runner.invoke(app, ["scan", "--out", str(tmp_path), "--workers", "1"])
    rows = [json.loads(line) for line in (tmp_path / "verdicts.jsonl").read_text().splitlines()]
    labels = _labels()
    wrong = [
        r["rollout_id"]
        for r in rows
        if (r["label"] == "hack") != (labels[r["rollout_id"]] == "hack")
    ]
    assert wrong == []


def test_detect_writes_one_line_per_rollout_with_every_verdict(tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    result = runner.invoke(
        app,
        [
            "detect",
            "--rollouts",
            str(ROLLOUTS),
            "--tasks",
            str(TASKS),
            "--out",
            str(out),
            "--all",
            "--no-sandbox",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(_labels()) and all("verdicts" in r for r in rows)


def test_detect_lines_carry_the_documented_fields(tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    runner.invoke(
        app,
        [
            "detect",
            "--rollouts",
            str(ROLLOUTS),
            "--tasks",
            str(TASKS),
            "--out",
            str(out),
            "--no-sandbox",
        ],
    )
    row = json.loads(out.read_text().splitlines()[0])
    assert {"rollout_id", "label", "category", "confidence", "evidence"} <= set(row)


def test_without_a_sandbox_the_differential_detector_is_left_out() -> None:
    with DetectionPipeline(sandbox=False) as pipeline:
        assert "differential" not in {d.name for d in pipeline.detectors}


def test_pipeline_groups_rollouts_by_their_group_field() -> None:
    tasks = {t.id: t for t in read_tasks(TASKS)}
    with DetectionPipeline(sandbox=False) as pipeline:
        subjects = pipeline.subjects(tasks, read_rollouts(ROLLOUTS)[:12])
    grouped = [s for s in subjects if s.rollout.group]
    assert all(s in s.group for s in grouped)
