"""`proctor monitor report --compare` and what the CLI embeds in the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

import proctor.cli._monitor_report  # noqa: F401  (registers `monitor report`)
from proctor.cli import app
from proctor.records import Verdict
from proctor.records._verdict import DetectorSpec
from proctor.runs import RunStore

runner = CliRunner()


def _store(run_dir: Path, rollouts, grades, verdicts) -> Path:
    with RunStore(run_dir) as store:
        store.add_rollouts(rollouts)
        store.add_grades(grades)
        store.add_verdicts(verdicts)
    return run_dir


def _data(html: str) -> dict:
    match = re.search(r'id="report-data" data-encoding="json">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_compare_embeds_both_runs_with_every_detectors_verdict(tmp_path: Path, make_run) -> None:
    rs, gs, vs = make_run(10, steps=16)
    static = [
        Verdict(rollout_id=r.id, detector="static", spec=DetectorSpec(name="static"), label="clean")
        for r in rs
    ]
    a = _store(tmp_path / "hacking", rs, gs, vs + static)
    b = _store(tmp_path / "benign", *make_run(None, steps=16, seed=2))
    out = tmp_path / "cmp.html"
    result = runner.invoke(
        app, ["monitor", "report", str(a), "--no-detect", "--compare", str(b), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "A: hacking" in html and "B: benign" in html
    runs = _data(html)["runs"]
    assert [r["name"] for r in runs] == ["hacking", "benign"]
    assert runs[0]["rollouts"]["id"] == [r.id for r in rs]
    detectors = {d[0] for j in runs[0]["tables"]["judge"] for d in j["d"]}
    assert detectors == {"static"}


def test_compare_with_an_unreadable_run_exits_3(tmp_path: Path, make_run) -> None:
    a = _store(tmp_path / "a", *make_run(None, steps=8))
    result = runner.invoke(
        app, ["monitor", "report", str(a), "--no-detect", "--compare", str(tmp_path / "missing")]
    )
    assert result.exit_code == 3 and "not a directory" in result.output.replace("\n", " ")
