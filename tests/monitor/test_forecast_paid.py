"""The forecast warning's lower bar while flagged hacks are paid more than their peers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.monitor import MonitorConfig, analyse, build_signals
from proctor.monitor._forecast import Forecast, forecast_condition

CFG = MonitorConfig()


def _condition(probs: list[float], advantage: list[float], config: MonitorConfig = CFG):
    """The forecast condition over hand-made forecasts; one flagged hack per step."""
    n = len(probs)
    table = build_signals([], [], [], [])
    table.steps = np.arange(n)
    forecasts = [Forecast(i, p, None, None, None) for i, p in enumerate(probs)]
    total = np.array(advantage, dtype=float)
    return forecast_condition(table, forecasts, config, (total, np.ones(n)))


def test_paid_hacks_lower_the_warning_bar() -> None:
    between = (CFG.forecast.paid_probability + CFG.forecast.warn_probability) / 2
    paid = _condition([0.0, 0.0, between], [0.5, 0.5, 0.5])
    unpaid = _condition([0.0, 0.0, between], [-0.5, -0.5, -0.5])
    assert paid is not None and unpaid is not None
    assert paid.active.tolist() == [False, False, True]
    assert not unpaid.active.any()


def test_the_bar_is_off_when_set_to_the_warning_probability() -> None:
    cfg = MonitorConfig.model_validate({"forecast": {"paid_probability": 0.5}})
    cond = _condition([0.0, 0.0, 0.4], [0.5, 0.5, 0.5], cfg)
    assert cond is not None and not cond.active.any()


def test_paid_is_pooled_over_the_trailing_window_only() -> None:
    # a paid hack 5 steps back is outside the 4-step window; the unpaid recent ones decide
    cond = _condition([0.0] * 5 + [0.3], [3.0, 0.0, -0.1, -0.1, -0.1, -0.1])
    assert cond is not None and not cond.active[-1]


def test_message_says_why_the_bar_was_lowered() -> None:
    cond = _condition([0.0, 0.0, 0.3], [0.4, 0.4, 0.4])
    assert cond is not None
    assert "out-earn" in cond.detail(2) and "30%" in cond.detail(2)


@settings(max_examples=60, deadline=None)
@given(
    probs=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=12),
    adv=st.lists(st.floats(-1.0, 1.0), min_size=12, max_size=12),
)
def test_warns_between_the_two_bars_only_when_paid(probs: list[float], adv: list[float]) -> None:
    cond = _condition(probs, adv[: len(probs)])
    assert cond is not None
    f = CFG.forecast
    for i, p in enumerate(probs):
        if p >= f.warn_probability:
            assert cond.active[i]
        elif p < f.paid_probability:
            assert not cond.active[i]


def test_a_paid_rise_warns_earlier_than_the_same_rise_unpaid(make_run) -> None:
    # the same sampled hacks; only their reward differs (1.0: paid; 0.0: punished)
    rs, gs, vs = make_run(12, steps=30, ramp=0.03, base=0.02, seed=0)
    hacks = {v.rollout_id for v in vs if v.label == "hack"}
    punished = [r.model_copy(update={"reward": 0.0}) if r.id in hacks else r for r in rs]
    paid = analyse(rs, gs, vs)
    unpaid = analyse(punished, gs, vs)
    first_paid, first_unpaid = (
        paid.first("warning", "forecast"),
        unpaid.first("warning", "forecast"),
    )
    assert first_paid is not None and first_unpaid is not None
    assert first_paid.first_step < first_unpaid.first_step
    hack = paid.first("hack")
    assert hack is not None and first_paid.first_step < hack.first_step
