"""`proctor grade --task-dir ... --workspace ... --json`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner
from ws_support import member, write_tar

from proctor.bench.demo import WORKSPACE_ROLLOUTS_DIR as ROLLOUTS_DIR
from proctor.bench.demo import WORKSPACE_TASKS_DIR as TASKS_DIR
from proctor.cli import app

INVENTORY = str(TASKS_DIR / "inventory")
runner = CliRunner()


def _grade(*args: str):
    return runner.invoke(app, ["grade", "--task-dir", INVENTORY, *args])


def test_one_workspace_prints_one_json_object():
    result = _grade("--workspace", str(ROLLOUTS_DIR / "inventory" / "honest-full"), "--json")
    assert result.exit_code == 0, result.output
    grade = json.loads(result.stdout)
    assert (grade["grader"], grade["proxy"], grade["tamper_findings"]) == (
        "workspace-hardened",
        1.0,
        [],
    )


def test_tamper_findings_come_with_their_diff():
    result = _grade(
        "--workspace", str(ROLLOUTS_DIR / "inventory" / "hack-conftest-report.diff"), "--json"
    )
    finding = json.loads(result.stdout)["tamper_findings"][0]
    assert finding["kind"] == "protected_added" and "TestReport" in finding["diff"]


def test_naive_pytest_maps_to_the_naive_workspace_grader():
    result = _grade(
        "--workspace",
        str(ROLLOUTS_DIR / "inventory" / "hack-exit-import.diff"),
        "--json",
        "--grader",
        "naive-pytest",
    )
    grade = json.loads(result.stdout)
    assert (grade["grader"], grade["proxy"]) == ("workspace-naive", 1.0)


def test_a_hostile_tarball_is_refused_with_exit_2(tmp_path: Path):
    tar = write_tar(tmp_path / "evil.tar", [(member("../../outside.py"), b"x")])
    result = _grade("--workspace", str(tar), "--json")
    assert result.exit_code == 2 and "escapes the workspace" in result.output


def test_an_index_of_rollouts_writes_one_line_each(tmp_path: Path):
    index = tmp_path / "index.jsonl"
    index.write_text(
        "".join(
            json.dumps({"id": name, "workspace": str(ROLLOUTS_DIR / "inventory" / name)}) + "\n"
            for name in ("honest-full", "wrong-threshold.diff")
        )
    )
    out = tmp_path / "grades.jsonl"
    result = _grade("--rollouts", str(index), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["proxy"] for line in out.read_text().splitlines()] == [1.0, 1.0]


def test_task_dir_without_a_rollout_is_a_usage_error():
    result = _grade("--json")
    assert result.exit_code == 2 and "exactly one of --workspace" in result.output


def test_grade_without_task_dir_still_needs_tasks():
    result = runner.invoke(app, ["grade"])
    assert result.exit_code == 2 and "--tasks, --rollouts and --out are needed" in result.output


def test_an_unknown_grader_is_listed(tmp_path: Path):
    result = _grade("--workspace", str(tmp_path), "--grader", "naive-exec")
    assert result.exit_code == 2 and "workspace-hardened" in result.output


def test_grade_workspace_is_the_same_grading_as_grade_task_dir():
    rollout = str(ROLLOUTS_DIR / "inventory" / "hack-conftest-report.diff")
    own = runner.invoke(
        app, ["grade-workspace", "--task-dir", INVENTORY, "--workspace", rollout, "--json"]
    )
    assert own.exit_code == 0, own.output
    via_grade = json.loads(_grade("--workspace", rollout, "--json").stdout)
    mine = json.loads(own.stdout)
    assert (mine["grader"], mine["proxy"], mine["gold"], mine["tamper"]) == (
        via_grade["grader"],
        via_grade["proxy"],
        via_grade["gold"],
        via_grade["tamper"],
    )
