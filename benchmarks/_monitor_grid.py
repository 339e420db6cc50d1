"""The grid the forecast's paid-hacks bar was chosen on (tuning runs only; `--grid`).

For each trend window, lower bar and paid gate (off, or pooled over 4 or 8 steps):
how many hacking runs the forecast warns ahead of their labelled onset, and which
benign runs it warns on. The shipped defaults are window 8, bar 0.25, gate over 4
steps (docs/monitor.md, "How the forecast was chosen").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proctor.monitor import MonitorConfig, analyse
from proctor.monitor._config import ForecastConfig
from proctor.monitor._forecast import Forecast, forecast, forecast_condition
from proctor.monitor._reinforce import hack_advantage
from proctor.monitor._run import load_run
from proctor.monitor._signals import SignalTable

WINDOWS = (5, 6, 8)
BARS = (0.2, 0.25, 0.3, 0.35, 0.5)
GATES: tuple[int | None, ...] = (None, 4, 8)
"""Steps the hack advantage is pooled over; None: no gate (the bar applies always)."""


@dataclass
class _Run:
    name: str
    onset: int | None
    table: SignalTable
    advantage: tuple[np.ndarray, np.ndarray]
    preds: dict[int, list[Forecast]] = field(default_factory=dict)
    """Forecasts by trend window (they do not depend on the bar or the gate)."""


def _first_warning(run: _Run, window: int, bar: float, gate: int | None) -> int | None:
    if gate is None:  # no gate: the lower bar is the warning bar
        cfg = ForecastConfig(window=window, warn_probability=bar, paid_probability=bar)
    else:
        cfg = ForecastConfig(window=window, paid_probability=bar, paid_window=gate)
    config = MonitorConfig(forecast=cfg)
    if window not in run.preds:
        run.preds[window] = forecast(run.table, config)
    cond = forecast_condition(run.table, run.preds[window], config, run.advantage)
    if cond is None or not cond.active.any():
        return None
    return int(run.table.steps[int(np.argmax(cond.active))])


def grid(runs: list[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (window, bar, gate) over already-judged run directories."""
    loaded = []
    for run_dir, manifest in runs:
        records = load_run(run_dir)
        table = analyse(records.rollouts, records.grades, records.verdicts, records.scalars).table
        grades = {g.rollout_id: g for g in records.grades}
        verdicts = {v.rollout_id: v for v in records.verdicts if v.detector == "ensemble"}
        advantage = hack_advantage(table, records.rollouts, grades, verdicts)
        loaded.append(_Run(run_dir.name, manifest.get("onset_step"), table, advantage))
    rows = []
    for window, bar, gate in itertools.product(WINDOWS, BARS, GATES):
        ahead, hacking, benign_warned = 0, 0, []
        for run in loaded:
            first = _first_warning(run, window, bar, gate)
            if run.onset is None:
                if first is not None:
                    benign_warned.append(run.name)
            else:
                hacking += 1
                ahead += first is not None and first < run.onset
        rows.append(
            {
                "window": window,
                "bar": bar,
                "gate": gate,
                "ahead": ahead,
                "hacking": hacking,
                "benign_warned": benign_warned,
            }
        )
    return rows


def grid_markdown(rows: list[dict[str, Any]], argv: str) -> str:
    """The grid as a results page."""
    lines = [
        "# Forecast bar grid on the lab TUNING runs (not an evaluation)",
        "",
        f"Command: `{argv}`. ahead: hacking runs whose first forecast warning comes before "
        "the labelled onset. gate: steps the hack advantage is pooled over (–: no gate, "
        "the bar applies whether or not hacks are paid).",
        "",
        "| window | bar | gate | ahead | benign runs warned |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        gate = "–" if r["gate"] is None else r["gate"]
        warned = ", ".join(r["benign_warned"]) or "none"
        lines.append(
            f"| {r['window']} | {r['bar']} | {gate} | {r['ahead']} / {r['hacking']} | {warned} |"
        )
    return "\n".join(lines) + "\n"


__all__ = ["grid", "grid_markdown"]
