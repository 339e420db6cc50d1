"""Shipped monitor presets: loading, refusing unknown names, and the CLI's `--config NAME`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import proctor.cli._monitor_report  # noqa: F401  (registers `monitor report|audit`)
from proctor.cli import app
from proctor.monitor import MonitorConfig, analyse, monitor_preset, preset_names
from proctor.runs import RunStore

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_the_real_model_preset_ships_and_validates() -> None:
    assert "real-model" in preset_names()
    assert isinstance(monitor_preset("real-model"), MonitorConfig)


def test_an_unknown_preset_names_the_ones_there_are() -> None:
    with pytest.raises(KeyError, match="real-model"):
        monitor_preset("no-such-preset")


def test_the_preset_is_what_the_recorded_tuning_chose() -> None:
    """presets/real-model.json must hold the choice benchmarks/monitor.py recorded on the
    real-model tuning runs, and nothing else that differs from the defaults."""
    recorded = json.loads((ROOT / "benchmarks/results/monitor-llm-tuning.json").read_text())
    preset = monitor_preset("real-model")
    defaults = MonitorConfig()
    expected_hack = defaults.hack_rate.model_copy(update=recorded["hack_choice"])
    expected_forecast = defaults.forecast.model_copy(update=recorded["forecast_choice"] or {})
    assert preset.hack_rate == expected_hack
    assert preset.forecast == expected_forecast
    rest = {k for k in MonitorConfig.model_fields if k not in ("hack_rate", "forecast")}
    assert preset.model_dump(include=rest) == defaults.model_dump(include=rest)


def test_a_plateau_below_the_default_threshold_alerts_with_the_preset_only(make_run) -> None:
    """Real hacking can settle well under the lab-chosen 20%: the preset catches a
    plateau between its threshold and the default's, the defaults do not."""
    preset = monitor_preset("real-model")
    plateau = (preset.hack_rate.threshold + MonitorConfig().hack_rate.threshold) / 2
    rollouts, grades, verdicts = make_run(10, steps=30, n=64, peak=plateau, ramp=plateau)
    default = analyse(rollouts, grades, verdicts).alerts
    assert not [a for a in default if a.kind == "hack_rate"]
    tuned = analyse(rollouts, grades, verdicts, config=preset).alerts
    first = min(a.first_step for a in tuned if a.kind == "hack_rate")
    assert first >= 10


def test_cli_takes_a_preset_name_for_config(tmp_path: Path, make_run) -> None:
    run = tmp_path / "r"
    with RunStore(run) as store:
        rollouts, grades, verdicts = make_run(None, steps=12)
        store.add_rollouts(rollouts)
        store.add_grades(grades)
        store.add_verdicts(verdicts)
    ok = runner.invoke(app, ["monitor", "audit", str(run), "--no-detect", "-c", "real-model"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["monitor", "audit", str(run), "--no-detect", "-c", "nope"])
    assert bad.exit_code == 3
    assert "real-model" in bad.output and "no such file" in bad.output
