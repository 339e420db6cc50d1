"""The onset forecast rises before a synthetic onset and stays low on a benign run."""

from __future__ import annotations

import numpy as np

from proctor.monitor import MonitorConfig, build_signals, forecast


def test_probability_rises_before_onset(make_run) -> None:
    # a slow ramp: the hack-rate rule (20%, 2 steps) fires several steps after hacks start
    table = build_signals(*make_run(10, steps=30, ramp=0.03, seed=3))
    probs = np.array([f.probability for f in forecast(table, MonitorConfig())])
    rate = table.get("hack_rate")
    onset = int(np.flatnonzero(rate >= 0.2)[0])
    assert probs[:8].max() < 0.5
    assert probs[onset - 3 : onset].max() > probs[:8].max()


def test_forecast_uses_only_the_past(make_run) -> None:
    rs, gs, vs = make_run(10, steps=30)
    full = forecast(build_signals(rs, gs, vs), MonitorConfig())
    cut = [r for r in rs if (r.step or 0) <= 15]
    ids = {r.id for r in cut}
    part = forecast(
        build_signals(
            cut, [g for g in gs if g.rollout_id in ids], [v for v in vs if v.rollout_id in ids]
        ),
        MonitorConfig(),
    )
    assert [f.probability for f in part] == [f.probability for f in full[:16]] or [
        f.eta for f in part
    ][:5] == [f.eta for f in full][:5]


def test_benign_run_stays_below_the_warning_level(make_run) -> None:
    table = build_signals(*make_run(None, steps=30, base=0.01, seed=5))
    cfg = MonitorConfig()
    assert max(f.probability for f in forecast(table, cfg)) < cfg.forecast.warn_probability
