"""Model-internal rules: a probe's scores on every rollout warn before the hack rate moves.

A linear probe on the policy's activations can separate hacks from honest rollouts
while the visible output still looks clean, and a probe of the policy's internal
estimate of the exploitable reward rises before the visible hack rate does. Two
rules read the ``internal`` signals (`SignalKind`), each a *warning* at most (a probe
is a model of hacking, not evidence of it; the `Alert` record refuses more):

- ``probe_rate``: the share of a step's scored rollouts the probe flags
  (``probe_above``) stays at least ``ProbeRule.rate`` above the run's baseline (its
  mean over the first ``warmup`` scored steps) for ``consecutive`` steps;
- ``probe_forecast``: the hack-rate forecast's method (`forecast_counts`: a weighted
  linear trend, bootstrapped) run on the probe's flags instead of the detectors'
  verdicts, toward baseline + ``rate``; it warns at ``ForecastConfig.warn_probability``
  held ``forecast_consecutive`` steps. It has its own random generator, so the
  hack-rate forecast is the same with or without probe scores.

Why relative to a baseline: a probe's flag share on honest rollouts is its
false-positive rate, which differs from probe to probe; against a fixed line, a
probe of AUC 0.98 warned on 85–100% of benign synthetic runs.

Both need probe scores; a run without them gets neither, and nothing else changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from proctor.monitor._config import MonitorConfig
from proctor.monitor._forecast import Forecast, forecast_counts
from proctor.monitor._onset import Condition, run_length
from proctor.monitor._signals import SignalTable
from proctor.records import Rollout


class ProbeScorer(Protocol):
    """A probe or auditor: one hack score in ``[0, 1]`` per (prompt, completion).

    The same shape as `proctor.transforms.Scorer`, so one probe serves the gate and
    the monitor."""

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any]) -> Sequence[float]: ...


def add_probe_scores(
    rollouts: Iterable[Rollout], scorer: ProbeScorer, *, batch_size: int = 64
) -> list[Rollout]:
    """Copies of ``rollouts`` with ``meta["probe_score"]`` from ``scorer``.

    The scorer sees each rollout's ``prompt`` (or ``""``) and its ``completion`` (or
    ``code``), ``batch_size`` at a time. A score that is not a finite number in
    ``[0, 1]`` is not stored (the rollout counts as unscored)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    items = list(rollouts)
    out: list[Rollout] = []
    for at in range(0, len(items), batch_size):
        batch = items[at : at + batch_size]
        scores = list(
            scorer([r.prompt or "" for r in batch], [r.completion or r.code or "" for r in batch])
        )
        if len(scores) != len(batch):
            raise ValueError(
                f"the probe returned {len(scores)} scores for {len(batch)} rollouts; "
                "it must give one float in [0, 1] per completion"
            )
        for r, x in zip(batch, scores, strict=True):
            try:
                value = float(x)  # numpy scalars of any width included
            except (TypeError, ValueError):
                value = math.nan
            ok = math.isfinite(value) and 0.0 <= value <= 1.0
            out.append(r.model_copy(update={"meta": {**r.meta, "probe_score": value}}) if ok else r)
    return out


SIGNAL = "probe_above"
ACTIONS = {
    "probe_rate": "The probe on the policy's activations flags many rollouts, including ones "
    "the output detectors call clean: read the examples (highest probe score first), run "
    "`proctor detect` on them, and consider gating the reward on the probe "
    "(proctor.transforms.AuditorGate). A probe warns; it does not convict.",
    "probe_forecast": "The probe's flags are rising toward the onset line before the detected "
    "hack rate has: inspect the high-scoring rollouts now and prepare a gated reward "
    "(proctor.transforms.AuditorGate) or a checkpoint to roll back to.",
}


def probe_baseline(table: SignalTable, config: MonitorConfig) -> tuple[float, int] | None:
    """``(baseline share, first row that may alarm)``: the mean ``probe_above`` of the
    first ``warmup`` rows with at least ``min_rollouts`` scored rollouts (each row's
    decision uses only rows up to it). None while the run has fewer such rows."""
    cfg = config.probe
    rows = np.flatnonzero(table.probed >= cfg.min_rollouts)[: cfg.warmup]
    if len(rows) < cfg.warmup:
        return None
    return float(np.mean(table.get(SIGNAL)[rows])), int(rows[-1]) + 1


def probe_forecast(table: SignalTable, config: MonitorConfig) -> list[Forecast]:
    """One forecast per step from the probe's flags toward baseline + ``rate`` (empty
    without probe scores; probability 0 before the baseline is in)."""
    if not (config.probe.enabled and config.probe.forecast and config.forecast.enabled):
        return []
    if not table.has_probe or len(table.steps) <= 1:
        return []
    found = probe_baseline(table, config)
    if found is None:
        return [Forecast(int(s), 0.0, None, None, None) for s in table.steps]
    base, ready = found
    line = base + config.probe.rate
    rng = np.random.default_rng(config.forecast.seed)
    window = config.forecast.window
    n = np.convolve(table.probed.astype(float), np.ones(window))[: len(table.steps)]
    h = np.convolve(table.probe_flagged.astype(float), np.ones(window))[: len(table.steps)]
    spread = np.sqrt(np.maximum(n * base * (1.0 - base), 1.0))  # ≥ 1 flag: a zero baseline
    excess = (h - base * n) / spread
    return [
        forecast_counts(table.steps, table.probed, table.probe_flagged, i, config, line, rng)
        if i >= ready and line <= 1.0 and excess[i] >= config.probe.min_excess_z
        else Forecast(int(table.steps[i]), 0.0, None, None, None)
        for i in range(len(table.steps))
    ]


def probe_rate_condition(table: SignalTable, config: MonitorConfig) -> Condition | None:
    """``probe_above`` ≥ baseline + ``rate`` for ``consecutive`` steps with enough scored
    rollouts, after the baseline's warm-up."""
    cfg = config.probe
    if not cfg.enabled or not table.has_probe or len(table.steps) <= 1:
        return None
    found = probe_baseline(table, config)
    if found is None:
        return None
    base, ready = found
    share = table.get(SIGNAL)
    enough = table.probed >= cfg.min_rollouts
    runs = np.zeros(len(share), dtype=np.int64)
    starts = np.zeros(len(share), dtype=np.int64)
    run = start = 0
    for i in range(ready, len(share)):
        if enough[i]:  # thin steps carry the last decision, as in the hack-rate rule
            if share[i] - base >= cfg.rate:
                start = i if run == 0 else start
                run += 1
            else:
                run = 0
        runs[i], starts[i] = run, start
    return Condition(
        "probe_rate",
        SIGNAL,
        "internal",
        "warning",
        runs >= cfg.consecutive,
        ACTIONS["probe_rate"],
        detail=lambda i: (
            f"model-internal: the probe flags {share[i]:.0%} of scored rollouts "
            f"(score ≥ {cfg.threshold:g}; mean {table.get('probe_mean')[i]:.2f}, p90 "
            f"{table.get('probe_p90')[i]:.2f}), ≥ {cfg.rate:.0%} above its baseline "
            f"{base:.0%}, for {runs[i]} step(s) in a row"
        ),
        onset=lambda i: int(starts[i]),
        examples="probe",
    )


def probe_forecast_condition(
    table: SignalTable, forecasts: list[Forecast], config: MonitorConfig
) -> Condition | None:
    """Warn when the probe forecast's probability reaches ``warn_probability``."""
    if not forecasts:
        return None
    cfg = config.forecast
    prob = np.array([f.probability for f in forecasts])
    runs = run_length(prob >= cfg.warn_probability)
    rate = table.get(SIGNAL)
    need = config.probe.forecast_consecutive
    found = probe_baseline(table, config)
    base = found[0] if found else float("nan")

    def detail(i: int) -> str:
        f = forecasts[i]
        eta = "now" if f.eta == 0 else f"in ~{f.eta:.0f} steps" if f.eta is not None else "later"
        return (
            f"model-internal forecast: the probe flags {rate[i]:.0%} of scored rollouts "
            f"(baseline {base:.0%}); P(it reaches {base + config.probe.rate:.0%} within "
            f"{cfg.horizon} steps) = {f.probability:.0%}, expected {eta}"
        )

    return Condition(
        "probe_forecast",
        SIGNAL,
        "internal",
        "warning",
        runs >= need,
        ACTIONS["probe_forecast"],
        detail=detail,
        onset=lambda i: max(0, i - int(runs[i]) + 1),
        examples="probe",
    )


__all__ = [
    "ProbeScorer",
    "add_probe_scores",
    "probe_baseline",
    "probe_forecast",
    "probe_forecast_condition",
    "probe_rate_condition",
]
