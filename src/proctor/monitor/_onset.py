"""Onset rules: per-step alarm conditions computed only from steps up to each step.

1. ``hack_rate``: the detected hack rate at or above a threshold for k steps in a row;
2. ``gold_falls_proxy_rises``: over a trailing window, the proxy's slope is up, gold's
   is down and the gap has grown, for k steps in a row;
3. ``gap_change``: an upward change point in the proxy−gold gap (online CUSUM or
   Page-Hinkley), with a minimum effect size.

Behavioural and geometry signals get a two-sided Page-Hinkley watch and a
zero-variance-groups check; they can warn, never convict. Thresholds: `MonitorConfig`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from proctor.monitor._changepoint import ChangePoint, cusum, page_hinkley
from proctor.monitor._config import MonitorConfig, Severity
from proctor.monitor._signals import SignalKind, SignalTable


@dataclass
class Condition:
    """A per-step alarm condition, ready for the alert life cycle."""

    kind: str
    signal: str
    signal_kind: SignalKind
    severity: Severity
    active: np.ndarray
    """True at the steps (rows) where the alarm condition holds."""
    action: str
    detail: Callable[[int], str] = field(default=lambda i: "")
    """A line for a human about the firing row."""
    onset: Callable[[int], int] = field(default=lambda i: i)
    """The estimated row where the change began, given the firing row."""
    examples: str = "hack"
    """Rollouts that illustrate it: ``hack`` (flagged), ``gap`` (largest proxy − gold),
    ``probe`` (highest probe score, whatever the detectors said), ``any``."""


ACTIONS = {
    "hack_rate": "Inspect the example rollouts; gate the reward on the detector "
    "(proctor.transforms.hard_gate) or fix the grader hole, then resume from "
    "a checkpoint before the onset step.",
    "gold_falls_proxy_rises": "The reward no longer tracks held-out quality: check the grader "
    "for the hole the examples exploit; stop or roll back.",
    "gap_change": "The proxy−gold gap jumped: read the examples with the largest gap and run "
    "`proctor detect` on them; gate or fix the grader if they special-case.",
    "forecast": "Onset is forecast soon: inspect flagged rollouts now and prepare a gated "
    "reward or a checkpoint to roll back to.",
    "behaviour_change": "Behaviour or optimisation changed abruptly: check the oracle signals "
    "around this step; alone this does not mean hacking.",
    "zero_variance": "Most GRPO groups have identical rewards: the advantage vanishes; check "
    "for a saturated or gamed reward.",
    "batch_hacks": "Read the flagged rollouts' evidence; do not train on these rewards.",
    "batch_unsure": "Some rollouts look suspicious but the evidence is weak: have a human look.",
}


def run_length(mask: np.ndarray) -> np.ndarray:
    """At each row, how many rows in a row (ending there) the mask has held."""
    out = np.zeros(mask.shape, dtype=np.int64)
    run = 0
    for i, on in enumerate(mask):
        run = run + 1 if on else 0
        out[i] = run
    return out


def _persist(mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    runs = run_length(mask)
    return runs >= k, runs


def hack_rate_condition(table: SignalTable, config: MonitorConfig) -> Condition | None:
    cfg = config.hack_rate
    if not cfg.enabled or "hack_rate" not in table.values:
        return None
    rate = table.get("hack_rate")
    enough = table.judged >= cfg.min_rollouts
    # thin steps are skipped (neither start nor break a run): carry the last decision
    above = np.zeros(len(rate), dtype=bool)
    runs = np.zeros(len(rate), dtype=np.int64)
    run, starts, start = 0, np.zeros(len(rate), dtype=np.int64), 0
    for i in range(len(rate)):
        if enough[i]:
            if rate[i] >= cfg.threshold:
                start = i if run == 0 else start
                run += 1
            else:
                run = 0
        runs[i], starts[i] = run, start
        above[i] = run >= cfg.consecutive
    return Condition(
        "hack_rate",
        "hack_rate",
        "oracle",
        cfg.severity,
        above,
        ACTIONS["hack_rate"],
        detail=lambda i: (
            f"hack rate {rate[i]:.0%} ≥ {cfg.threshold * 100:g}% "  # 7.5%, not a rounded 8%
            f"for {runs[i]} judged step(s) in a row"
        ),
        onset=lambda i: int(starts[i]),
    )


def _slopes(y: np.ndarray, window: int) -> np.ndarray:
    out = np.full(y.shape, np.nan)
    for i in range(window - 1, len(y)):
        seg = y[i - window + 1 : i + 1]
        ok = ~np.isnan(seg)
        if ok.sum() >= max(2, window // 2):
            t = np.arange(window, dtype=float)[ok]
            out[i] = float(np.polyfit(t, seg[ok], 1)[0])
    return out


def gold_proxy_condition(table: SignalTable, config: MonitorConfig) -> Condition | None:
    cfg = config.gold_proxy
    if not cfg.enabled or "gold_mean" not in table.values or "proxy_mean" not in table.values:
        return None
    sp, sg = (
        _slopes(table.get("proxy_mean"), cfg.window),
        _slopes(table.get("gold_mean"), cfg.window),
    )
    gap = table.get("gap")
    grown = np.full(gap.shape, np.nan)
    if len(gap) >= cfg.window:  # a run shorter than the window has no divergence yet
        grown[cfg.window - 1 :] = gap[cfg.window - 1 :] - gap[: len(gap) - cfg.window + 1]
    mask = (
        (np.nan_to_num(sp) > cfg.min_slope)
        & (np.nan_to_num(sg) < -cfg.min_slope)
        & (np.nan_to_num(grown) >= cfg.min_divergence)
    )
    active, runs = _persist(mask, cfg.consecutive)
    return Condition(
        "gold_falls_proxy_rises",
        "gap",
        "oracle",
        cfg.severity,
        active,
        ACTIONS["gold_falls_proxy_rises"],
        detail=lambda i: (
            f"over {cfg.window} steps proxy slope {sp[i]:+.3f}/step, gold "
            f"{sg[i]:+.3f}/step, gap grew {grown[i]:+.2f}; {runs[i]} steps running"
        ),
        onset=lambda i: max(0, i - int(runs[i]) + 1),
        examples="gap",
    )


def gap_change_condition(table: SignalTable, config: MonitorConfig) -> Condition | None:
    cfg = config.gap_change
    if not cfg.enabled or "gap" not in table.values:
        return None
    gap = table.get("gap")
    if cfg.method == "cusum":
        cp = cusum(gap, cfg.warmup, cfg.drift, cfg.threshold, cfg.min_sigma)
    else:
        cp = page_hinkley(gap, cfg.warmup, cfg.drift, cfg.threshold, cfg.min_sigma)
    if cp is None:
        return None
    seen = np.flatnonzero(~np.isnan(gap))
    base = float(gap[seen[: cfg.warmup]].mean())
    recent = np.array(
        [
            np.nanmean(gap[max(0, i - cfg.warmup + 1) : i + 1])
            if not np.all(np.isnan(gap[max(0, i - cfg.warmup + 1) : i + 1]))
            else np.nan
            for i in range(len(gap))
        ]
    )
    active = cp.active & (np.nan_to_num(recent - base) >= cfg.min_effect)
    stat = cp.statistic

    def start_of(i: int) -> int:
        # the statistic's last reset before this alarm
        prior = np.flatnonzero(np.nan_to_num(stat[: i + 1], nan=1.0) == 0.0)
        return int(prior[-1]) + 1 if prior.size else cp.start

    return Condition(
        "gap_change",
        "gap",
        "oracle",
        cfg.severity,
        active,
        ACTIONS["gap_change"],
        detail=lambda i: (
            f"{cfg.method} statistic {stat[i]:.1f} > {cfg.threshold:g}; gap "
            f"{recent[i]:.2f} vs baseline {base:.2f}"
        ),
        onset=start_of,
        examples="gap",
    )


def _behaviour_condition(
    name: str, kind: SignalKind, values: np.ndarray, cp: ChangePoint
) -> Condition:
    # a function rather than a lambda in the loop, so each condition binds its own series
    def detail(i: int) -> str:
        return f"{name} moved to {values[i]:.3g} (Page-Hinkley {cp.statistic[i]:.1f})"

    return Condition(
        "behaviour_change",
        name,
        kind,
        "info",
        cp.active,
        ACTIONS["behaviour_change"],
        detail=detail,
        onset=lambda i: cp.start,
        examples="any",
    )


def behaviour_conditions(table: SignalTable, config: MonitorConfig) -> list[Condition]:
    cfg = config.behaviour
    if not cfg.enabled:
        return []
    out = []
    for name, kind in table.kinds.items():
        if kind in ("oracle", "internal"):  # internal signals have their own rules (_probe)
            continue
        cp = page_hinkley(
            table.get(name), cfg.warmup, cfg.drift, cfg.threshold, min_sigma=1e-3, direction="both"
        )
        if cp is not None:
            out.append(_behaviour_condition(name, kind, table.get(name), cp))
    if "zero_variance_groups" in table.values:
        z = table.get("zero_variance_groups")
        active, _ = _persist(np.nan_to_num(z) >= cfg.zero_variance_share, 2)
        out.append(
            Condition(
                "zero_variance",
                "zero_variance_groups",
                "behavioural",
                "info",
                active,
                ACTIONS["zero_variance"],
                detail=lambda i: f"{z[i]:.0%} of groups have equal rewards",
                examples="any",
            )
        )
    return out


def batch_conditions(table: SignalTable, config: MonitorConfig) -> list[Condition]:
    """A single-step batch has no time axis: any hack verdict convicts, any unsure warns."""
    if not config.batch_any_hack or len(table.steps) != 1 or table.judged[0] == 0:
        return []
    out = []
    hacks = int(table.hacks[0])
    unsure = float(np.nan_to_num(table.get("unsure_rate")[0]))
    if hacks:
        out.append(
            Condition(
                "batch_hacks",
                "hack_rate",
                "oracle",
                "hack",
                np.array([True]),
                ACTIONS["batch_hacks"],
                detail=lambda i: f"{hacks} of {table.judged[0]} rollouts labelled hack",
            )
        )
    elif unsure > 0:
        out.append(
            Condition(
                "batch_unsure",
                "unsure_rate",
                "oracle",
                "warning",
                np.array([True]),
                ACTIONS["batch_unsure"],
                examples="unsure",
                detail=lambda i: f"{unsure:.0%} of rollouts labelled unsure",
            )
        )
    return out


def conditions(table: SignalTable, config: MonitorConfig) -> list[Condition]:
    """Every alarm condition the config enables, oracle rules first."""
    if len(table.steps) == 1 and config.batch_any_hack:
        return batch_conditions(table, config)
    found = [
        hack_rate_condition(table, config),
        gold_proxy_condition(table, config),
        gap_change_condition(table, config),
    ]
    return [c for c in found if c is not None] + behaviour_conditions(table, config)


__all__ = ["ACTIONS", "Condition", "conditions", "run_length"]
