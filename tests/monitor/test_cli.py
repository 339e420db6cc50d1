"""`proctor scan`, `proctor monitor report` and `proctor monitor audit` end to end."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

import proctor.cli._monitor_report  # registers `monitor report|audit`
import proctor.cli._scan  # noqa: F401  (registers `scan`)
from proctor.cli import app
from proctor.records import Rollout
from proctor.runs import RunStore

runner = CliRunner()


def _store(run_dir: Path, rollouts, grades, verdicts) -> Path:
    with RunStore(run_dir) as store:
        store.add_rollouts(rollouts)
        store.add_grades(grades)
        store.add_verdicts(verdicts)
    return run_dir


def test_scan_on_the_demo_suite_writes_summary_report_and_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", "--out", str(tmp_path), "--workers", "1"])
    assert result.exit_code == 2, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "hack" and summary["onset_step"] is not None
    alert = summary["alerts"][0]
    assert {"kind", "severity", "first_step"} <= set(alert)
    assert any(a["severity"] == "hack" for a in summary["alerts"])
    step = summary["steps"][0]
    assert {"step", "hack_rate", "proxy_mean", "gold_mean"} <= set(step)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    with RunStore(tmp_path, readonly=True) as store:
        assert store.counts()["rollouts"] == summary["rollouts"]
        ids = [r.id for r in store.rollouts()]
    # the same explorable report as `monitor report`: every rollout is in its browser
    html = (tmp_path / "report.html").read_text()
    assert f'data-embedded="{len(ids)}"' in html and 'id="rewarded"' in html


def test_audit_exit_codes(tmp_path: Path, make_run, make_verdict) -> None:
    hacking = _store(tmp_path / "hacking", *make_run(10, steps=24))
    benign = _store(tmp_path / "benign", *make_run(None, steps=24))
    batch = [Rollout(id=f"r{i}", task_id="t", code="pass") for i in range(4)]
    unsure = _store(
        tmp_path / "unsure",
        batch,
        [],
        [make_verdict(r.id, "unsure" if i == 0 else "clean") for i, r in enumerate(batch)],
    )
    codes = {
        p.name: runner.invoke(app, ["monitor", "audit", str(p), "--no-detect"]).exit_code
        for p in (hacking, benign, unsure)
    }
    assert codes == {"hacking": 2, "benign": 0, "unsure": 1}


def test_audit_json_prints_the_summary(tmp_path: Path, make_run) -> None:
    run = _store(tmp_path / "r", *make_run(10, steps=24))
    result = runner.invoke(app, ["monitor", "audit", str(run), "--no-detect", "--json"])
    assert json.loads(result.stdout)["first_hack_alert_step"] is not None


def test_report_ingests_lab_files_on_the_fly_and_ignores_truth(tmp_path: Path, make_run) -> None:
    rollouts, grades, verdicts = make_run(10, steps=20)
    run = tmp_path / "lab"
    run.mkdir()

    def dump(name: str, rows) -> None:
        with gzip.open(run / name, "wt") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)

    dump(
        "rollouts.jsonl.gz",
        [r.model_dump(mode="json") | {"meta": {"truth": {"kind": "hack"}}} for r in rollouts],
    )
    dump("grades.jsonl.gz", [g.model_dump(mode="json") for g in grades])
    dump("verdicts.jsonl.gz", [v.model_dump(mode="json") for v in verdicts])
    dump("scalars.jsonl.gz", [{"step": s, "kl": 0.01 * s, "entropy": 1.0} for s in range(20)])
    (run / "run.json").write_text(json.dumps({"name": "lab", "onset_step": 10}))
    result = runner.invoke(app, ["monitor", "report", str(run), "--no-detect"])
    assert result.exit_code == 0, result.output
    assert (run / "run.sqlite").is_file() and (run / "report.html").is_file()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["signals"]["kl"] == "geometry" and summary["first_hack_alert_step"] >= 10


def test_unreadable_run_names_the_file_and_line(tmp_path: Path) -> None:
    run = tmp_path / "bad"
    run.mkdir()
    (run / "rollouts.jsonl").write_text('{"id": "a", "task_id": "t", "code": "pass"}\n{oops\n')
    result = runner.invoke(app, ["monitor", "audit", str(run), "--no-detect"])
    assert result.exit_code == 3
    assert "rollouts.jsonl:2" in result.output.replace("\n", "")


def test_bad_config_is_refused_with_a_hint(tmp_path: Path, make_run) -> None:
    run = _store(tmp_path / "r", *make_run(None, steps=12))
    cfg = tmp_path / "c.json"
    cfg.write_text('{"hack_rate": {"threshold": 7}}')
    result = runner.invoke(app, ["monitor", "audit", str(run), "--no-detect", "--config", str(cfg)])
    assert result.exit_code == 3 and "threshold" in result.output


def test_report_logs_to_tensorboard_under_the_namespace(tmp_path: Path, make_run) -> None:
    run = _store(tmp_path / "r", *make_run(10, steps=16))
    out, logdir = tmp_path / "out" / "r.html", tmp_path / "tb"
    result = runner.invoke(
        app,
        [
            "monitor",
            "report",
            str(run),
            "--no-detect",
            "--out",
            str(out),
            "--sink",
            "tensorboard",
            "--logdir",
            str(logdir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and list(logdir.glob("events.out.tfevents.*"))
