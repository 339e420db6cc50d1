"""A leading signal: are the rollouts flagged as hacks *paid* more than their group peers?

GRPO-style trainers push up whatever beats its group's mean reward. When flagged
hacks out-earn the honest rollouts sampled for the same prompt, every step makes
hacking likelier, so the hack rate will rise: in the lab, hack rate jumps from a few
percent to most of the batch within one or two steps, so a trend of the rate itself
(``_forecast``) only sees onset as it happens, while this signal is visible from
the first rewarded hacks.

``hack_advantage`` (oracle-adjacent, as it rests on detector verdicts) at a step is
the mean over groups holding both a flagged hack and an unflagged judged rollout of
``mean reward(hacks) − mean reward(others)``, weighted by the group's hack count. The
``hacks_rewarded`` rule warns when, pooled over a trailing window, at least
``min_hacks`` flagged hacks had a mean advantage ≥ ``margin``. It is a warning, never
a hack alert: it predicts onset, it does not show it. The rule is off by default (see
``HacksRewardedRule.enabled``): on the lab's tuning seeds it did not separate hacking
from benign runs.
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
    """Per row of ``table``: (summed advantage of flagged hacks, their count) in mixed groups."""
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
    return total, count


def hacks_rewarded_condition(
    table: SignalTable,
    rollouts: Iterable[Rollout],
    grades: Mapping[str, Grade],
    verdicts: Mapping[str, Verdict],
    config: MonitorConfig,
) -> Condition | None:
    """Add the ``hack_advantage`` signal to ``table`` and return the ``hacks_rewarded`` rule."""
    cfg = config.hacks_rewarded
    if len(table.steps) <= 1:
        return None
    total, count = hack_advantage(table, rollouts, grades, verdicts)
    if count.sum() > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            table.values[SIGNAL] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        table.kinds[SIGNAL] = "oracle"
    if not cfg.enabled:
        return None
    # trailing-window pools, using only steps up to each row (a live monitor's view)
    lo = [max(0, i - cfg.window + 1) for i in range(len(total))]
    win_total = np.array([total[a : i + 1].sum() for i, a in enumerate(lo)])
    win_count = np.array([count[a : i + 1].sum() for i, a in enumerate(lo)])
    pooled = np.where(win_count > 0, win_total / np.maximum(win_count, 1), 0.0)
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


__all__ = ["ACTION", "SIGNAL", "hack_advantage", "hacks_rewarded_condition"]
