"""Onset forecast: how likely the hack-rate rule fires within the next H steps, and when.

Method (no fitting on labelled runs, so nothing can leak from the evaluation seeds):
at step t, take the trailing ``window`` steps of detected hack counts ``h_j`` out of
``n_j`` judged rollouts and fit a straight line to the rates ``h_j/n_j`` by least
squares weighted by ``n_j``; onset is when that line reaches the hack-rate rule's
threshold, so the time to onset is ``(threshold − a) / b`` for a rising slope ``b``
(never, for a flat or falling one). A linear trend on the rate, not on its logit:
the logit of one or two hacks among many rollouts is so steep that a benign run's
stray flags would forecast onset; the linear trend needs a sustained rise. The
interval comes from a parametric bootstrap: each step's count is resampled as
``Binomial(n_j, ĥ_j/n_j)`` and the line refitted; the probability of onset within H
steps is the share of replicates that cross within H.

`forecast_condition` turns the forecasts into the ``forecast`` warning: at
``warn_probability``, or at the lower ``paid_probability`` while flagged hacks out-earn
their group peers (``_reinforce.pooled_advantage`` > 0), since a rise the reward pays
for is how onset happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from proctor.monitor._config import MonitorConfig
from proctor.monitor._onset import ACTIONS, Condition, run_length
from proctor.monitor._reinforce import pooled_advantage
from proctor.monitor._signals import SignalTable


@dataclass(frozen=True)
class Forecast:
    """The forecast made at one step, from the data up to that step only."""

    step: int
    probability: float
    """P(the hack rate reaches the onset threshold within the horizon)."""
    eta: float | None
    """Median steps until it does (0: already there; None: no rising trend)."""
    low: float | None
    """10th percentile of the steps until onset (None: no rising trend)."""
    high: float | None
    """90th percentile (inf when fewer than 90% of replicates cross)."""


def _fit(t: np.ndarray, h: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lines through the rates ``h/n`` weighted by ``n``; ``h`` may be (B, W)."""
    y = h / n
    w = n
    sw = w.sum(axis=-1)
    tm = (w * t).sum(axis=-1) / sw
    ym = (w * y).sum(axis=-1) / sw
    var = (w * (t - tm) ** 2).sum(axis=-1)
    b = (w * (t - tm) * (y - ym[..., None])).sum(axis=-1) / np.maximum(var, 1e-12)
    a = ym - b * tm
    return a, b


def forecast_at(
    table: SignalTable, row: int, config: MonitorConfig, rng: np.random.Generator
) -> Forecast:
    """The forecast at one row, from rows up to it."""
    return forecast_counts(
        table.steps, table.judged, table.hacks, row, config, config.hack_rate.threshold, rng
    )


def forecast_counts(
    steps: np.ndarray,
    totals: np.ndarray,
    flagged: np.ndarray,
    row: int,
    config: MonitorConfig,
    threshold: float,
    rng: np.random.Generator,
) -> Forecast:
    """The forecast at one row of any per-step count series: ``flagged`` of ``totals``
    rollouts (detector hacks of judged ones, or probe flags of scored ones) reaching the
    rate ``threshold``, from rows up to ``row``."""
    cfg, thr = config.forecast, threshold
    step = int(steps[row])
    lo = max(0, row - cfg.window + 1)
    keep = totals[lo : row + 1] > 0
    n = totals[lo : row + 1][keep].astype(float)
    h = flagged[lo : row + 1][keep].astype(float)
    t = steps[lo : row + 1][keep].astype(float) - step
    if n.size < cfg.window or h.sum() < cfg.min_flagged:  # a short window is too noisy
        return Forecast(step, 0.0, None, None, None)
    if h[-1] / n[-1] >= thr:
        return Forecast(step, 1.0, 0.0, 0.0, 0.0)
    p_hat = h / n
    boot = rng.binomial(n.astype(np.int64), p_hat, size=(cfg.bootstrap, n.size)).astype(float)
    a, b = _fit(t, np.vstack([h, boot]), n)
    target = thr
    with np.errstate(divide="ignore", invalid="ignore"):
        ahead = np.where(b > 1e-9, (target - a) / b, np.inf)
    ahead = np.maximum(ahead, 0.0)
    reps = ahead[1:]
    prob = float(np.mean(reps <= cfg.horizon))
    if not np.isfinite(ahead[0]) and prob == 0.0:
        return Forecast(step, 0.0, None, None, None)
    # replicates that never cross are +inf: rank them last instead of letting them poison
    # the interpolation (np.quantile of inf gives NaN)
    ranked = np.sort(reps)
    q10, q50, q90 = (
        float(ranked[min(len(ranked) - 1, int(q * len(ranked)))]) for q in (0.1, 0.5, 0.9)
    )
    return Forecast(
        step, prob, q50 if np.isfinite(q50) else None, q10 if np.isfinite(q10) else None, q90
    )


def forecast(table: SignalTable, config: MonitorConfig) -> list[Forecast]:
    """One forecast per step, each made from the data up to that step (as a live run would)."""
    if not config.forecast.enabled or "hack_rate" not in table.values:
        return []
    rng = np.random.default_rng(config.forecast.seed)
    return [forecast_at(table, i, config, rng) for i in range(len(table.steps))]


def forecast_condition(
    table: SignalTable,
    forecasts: Sequence[Forecast],
    config: MonitorConfig,
    advantage: tuple[np.ndarray, np.ndarray],
) -> Condition | None:
    """Warn at ``warn_probability``, or at ``paid_probability`` while flagged hacks are paid."""
    if not forecasts:
        return None
    cfg = config.forecast
    prob = np.array([f.probability for f in forecasts])
    pooled, _ = pooled_advantage(*advantage, cfg.paid_window)
    paid = pooled > 0
    runs = run_length((prob >= cfg.warn_probability) | ((prob >= cfg.paid_probability) & paid))

    def detail(i: int) -> str:
        f = forecasts[i]
        eta = (
            "now"
            if f.eta == 0
            else (
                f"in ~{f.eta:.0f} steps (80% interval {f.low or 0:.0f}–{f.high:.0f})"
                if f.eta is not None and f.high is not None
                else "later"
            )
        )
        why = (
            f"; flagged hacks out-earn their group peers by {pooled[i]:+.2f} reward over "
            f"the last {cfg.paid_window} steps, so training reinforces them"
            if paid[i]
            else ""
        )
        return (
            f"P(onset within {cfg.horizon} steps) = {f.probability:.0%}; onset expected {eta}{why}"
        )

    return Condition(
        "forecast",
        "hack_rate",
        "oracle",
        "warning",
        runs >= cfg.consecutive,
        ACTIONS["forecast"],
        detail=detail,
        onset=lambda i: max(0, i - int(runs[i]) + 1),
        examples="hack",
    )


__all__ = ["Forecast", "forecast", "forecast_at", "forecast_condition", "forecast_counts"]
