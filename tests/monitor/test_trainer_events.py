"""A trainer callback's stop, recorded in the run store, shows as a hack alert in report and audit."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from proctor.cli import app
from proctor.integrations.trl import HackAlertCallback
from proctor.monitor._run import analyse_records, load_run
from proctor.records import Rollout
from proctor.runs import RunStore


def _run_with_rollouts(run: Path) -> None:
    with RunStore(run) as store:
        store.add_rollouts(
            Rollout(id=f"r{s}-{i}", task_id="t", completion="x", step=s, reward=1.0)
            for s in range(1, 4)
            for i in range(2)
        )


def test_the_callback_records_its_stop_and_the_report_shows_it(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _run_with_rollouts(run)
    callback = HackAlertCallback(
        alert=lambda step: "hack rate 75% at step 3" if step >= 3 else None, record_to=run
    )
    control = SimpleNamespace(should_training_stop=False, should_save=False)
    for step in (1, 2, 3):
        callback.on_step_end(None, SimpleNamespace(global_step=step), control)
    assert control.should_training_stop
    analysis = analyse_records(load_run(run))
    [alert] = [a for a in analysis.alerts if a.kind == "trainer_stop"]
    assert (alert.first_step, alert.severity) == (3, "hack")
    assert "HackAlertCallback stopped training at step 3" in alert.message
    assert analysis.status == "hack"  # not "ok, 0 alerts" after the trainer stopped itself


def test_audit_exits_2_on_a_run_the_callback_stopped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _run_with_rollouts(run)
    with RunStore(run) as store:
        store.add_event(
            {
                "step": 2,
                "action": "save_and_stop",
                "reason": "hack rate 80%",
                "source": "HackAlertCallback",
            }
        )
    result = CliRunner().invoke(app, ["monitor", "audit", str(run), "--no-detect", "--json"])
    assert result.exit_code == 2, result.output
    [stop] = [a for a in json.loads(result.stdout)["alerts"] if a["kind"] == "trainer_stop"]
    assert stop["first_step"] == 2 and "stopped training at step 2" in stop["message"]
    table = CliRunner().invoke(app, ["monitor", "audit", str(run), "--no-detect"])
    assert table.exit_code == 2 and "trainer_stop" in table.stdout


def test_a_malformed_event_is_ignored(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _run_with_rollouts(run)
    with RunStore(run) as store:
        store.set_meta("events", [{"step": "two"}, "junk"])
    analysis = analyse_records(load_run(run))
    assert not [a for a in analysis.alerts if a.kind.startswith("trainer_")]
