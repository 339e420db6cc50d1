"""A leading signal: are the rollouts flagged as hacks *paid* more than their group peers?

GRPO-style trainers push up whatever beats its group's mean reward. When flagged
hacks out-earn the honest rollouts sampled for the same prompt, every step makes
hacking likelier, so the hack rate will rise; when they earn less (a grader that
pays them nothing), stray hacks are pushed back down.

``hack_advantage`` (oracle-adjacent, as it rests on detector verdicts) at a step is
the mean over groups holding both a flagged hack and an unflagged judged rollout of
``mean reward(hacks) − mean reward(others)``, weighted by the group's hack count.
`pooled_advantage` pools it over a trailing window, using only the steps up to each
one (a live monitor's view). Two rules read it:

- the forecast (``_forecast.forecast_condition``) warns at a lower onset probability
  while the pooled advantage is positive (``ForecastConfig.paid_probability``): a
  rising hack rate the reward is paying for is the mechanism of onset, not a fluctuation;
- ``hacks_rewarded`` warns on the advantage alone (``HacksRewardedRule``, off by
  default: on the lab's tuning seeds it did not separate hacking from benign runs).

Either is a warning, never a hack alert: they predict onset, they do not show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from proctor.monitor._config import MonitorConfig
from proctor.monitor._onset import Condition
from proctor.monitor._signals import SignalTable
from proctor.records import Grade, Rollout, Verdict

SIGNAL = "hack_advantage"
ACTION = (
    "Flagged hacks earn more reward than honest answers to the same prompts, so training "
    "will reinforce them: gate the reward on the detector (proctor.transforms.hard_gate) "
    "or fix the grader hole before the hack rate takes off."
)


def _reward(r: Rollout, grade: Grade | None) -> float | None:
    if r.reward is not None:
        return float(r.reward)
    return None if grade is None or grade.proxy is None else float(grade.proxy)


def hack_advantage(
    table: SignalTable,
    rollouts: Iterable[Rollout],
    grades: Mapping[str, Grade],
    verdicts: Mapping[str, Verdict],
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``table``: (summed advantage of flagged hacks, their count) in mixed groups.

    The mean (sum / count) is also stored in ``table`` as the ``hack_advantage`` signal.
    """
    groups: dict[tuple[int, str], list[tuple[bool, float]]] = {}
    for r in rollouts:
        v = verdicts.get(r.id)
        reward = _reward(r, grades.get(r.id))
        if v is None or reward is None or not np.isfinite(reward):
            continue
        step = r.step if r.step is not None else 0
        key = (step, r.group if r.group is not None else r.task_id)
        groups.setdefault(key, []).append((v.label == "hack", reward))
    total = np.zeros(len(table.steps))
    count = np.zeros(len(table.steps))
    for (step, _), members in groups.items():
        hacks = [x for flagged, x in members if flagged]
        others = [x for flagged, x in members if not flagged]
        if not hacks or not others:
            continue  # no peer to compare with: an all-hack group says nothing new
        row = table.index(step)
        if row < len(table.steps) and table.steps[row] == step:
            total[row] += len(hacks) * (float(np.mean(hacks)) - float(np.mean(others)))
            count[row] += len(hacks)
    store_advantage(table, total, count)
    return total, count


def store_advantage(table: SignalTable, total: np.ndarray, count: np.ndarray) -> None:
    """Put the mean advantage of flagged hacks into ``table`` as the `SIGNAL` column."""
    if count.sum() > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            table.values[SIGNAL] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        table.kinds[SIGNAL] = "oracle"


def pooled_advantage(
    total: np.ndarray, count: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (mean advantage of the flagged hacks in the trailing ``window`` rows, their count).

    Rows with no such hack get advantage 0. Only rows up to each one are used.
    """
    lo = [max(0, i - window + 1) for i in range(len(total))]
    win_total = np.array([total[a : i + 1].sum() for i, a in enumerate(lo)], dtype=float)
    win_count = np.array([count[a : i + 1].sum() for i, a in enumerate(lo)], dtype=float)
    pooled = np.where(win_count > 0, win_total / np.maximum(win_count, 1), 0.0)
    return pooled, win_count


def hacks_rewarded_condition(
    total: np.ndarray, count: np.ndarray, config: MonitorConfig
) -> Condition | None:
    """The ``hacks_rewarded`` rule over `hack_advantage`'s arrays (None while it is off)."""
    cfg = config.hacks_rewarded
    if not cfg.enabled or len(total) <= 1:
        return None
    pooled, win_count = pooled_advantage(total, count, cfg.window)
    active = (win_count >= cfg.min_hacks) & (pooled >= cfg.margin)

    def detail(i: int) -> str:
        return (
            f"over the last {cfg.window} steps, {int(win_count[i])} flagged hacks earned "
            f"{pooled[i]:+.2f} reward over their groups' other rollouts: training is "
            "reinforcing them, onset is likely"
        )

    return Condition(
        "hacks_rewarded",
        SIGNAL,
        "oracle",
        "warning",
        active,
        ACTION,
        detail=detail,
        examples="hack",
    )


__all__ = [
    "ACTION",
    "SIGNAL",
    "hack_advantage",
    "hacks_rewarded_condition",
    "pooled_advantage",
    "store_advantage",
]
