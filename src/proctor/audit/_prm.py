"""Process reward models: first-error detection, reward to wrong answers, aggregations.

First-error detection follows ProcessBench (Zheng et al., 2024): a PRM predicts the
first step whose score falls below a threshold (0.5 there), or "no error" (-1). On
trajectories with an error, a prediction is right only at exactly the labelled step
("accuracy on erroneous samples"); on error-free ones only when it says -1
("accuracy on correct samples"); **ProcessBench's F1 is the harmonic mean of those
two accuracies**, and that is the ``f1`` reported here. The card also gives a
detection view of the same predictions: precision = exact hits / trajectories flagged
as erroneous, recall = exact hits / erroneous trajectories (= the erroneous
accuracy), and their harmonic mean ``detection_f1``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from proctor.audit._table import Floats, ScoreTable

AGGREGATES: dict[str, Callable[[Floats], float]] = {
    "min": lambda s: float(s.min()),
    "mean": lambda s: float(s.mean()),
    "last": lambda s: float(s[-1]),
    "sum": lambda s: float(s.sum()),
}
HIGH_REWARD = 0.9
"""PRM-BiasBench's read-out: the share of wrong-answer trajectories scored above this."""


def aggregate(steps: Sequence[Floats], how: str) -> Floats:
    """One score per trajectory from its step scores (NaN steps ignored)."""
    if how not in AGGREGATES:
        raise ValueError(f"unknown aggregate {how!r}: choose {', '.join(AGGREGATES)}")
    fn = AGGREGATES[how]
    out = np.full(len(steps), np.nan)
    for i, s in enumerate(steps):
        s = s[~np.isnan(s)]
        if s.size:
            out[i] = fn(s)
    return out


def first_below(values: Sequence[Floats], threshold: float) -> NDArray[np.int64]:
    """Index of the first value below ``threshold`` per trajectory, -1 when none."""
    out = np.full(len(values), -1, dtype=np.int64)
    for i, v in enumerate(values):
        hit = np.flatnonzero(v < threshold)
        if hit.size:
            out[i] = hit[0]
    return out


def first_error_scores(predicted: NDArray[np.int64], label: NDArray[np.int64]) -> dict[str, float]:
    """ProcessBench accuracies and F1, and the detection precision/recall/F1."""
    erroneous = label >= 0
    exact = (predicted == label) & erroneous
    acc_err = float(exact[erroneous].mean()) if erroneous.any() else float("nan")
    acc_cor = float((predicted[~erroneous] == -1).mean()) if (~erroneous).any() else float("nan")
    flagged = int((predicted >= 0).sum())
    precision = float(exact.sum() / flagged) if flagged else float("nan")
    return {
        "accuracy_erroneous": acc_err,
        "accuracy_correct": acc_cor,
        "f1": _harmonic(acc_err, acc_cor),
        "precision": precision,
        "recall": acc_err,
        "detection_f1": _harmonic(precision, acc_err),
        "erroneous": int(erroneous.sum()),
        "correct": int((~erroneous).sum()),
    }


def _harmonic(a: float, b: float) -> float:
    if np.isnan(a) or np.isnan(b) or a + b == 0:
        return 0.0 if a + b == 0 else float("nan")
    return float(2 * a * b / (a + b))


def first_error_report(table: ScoreTable, threshold: float = 0.5) -> dict[str, Any] | None:
    """First-error scores at ``threshold``, overall and per ``split``."""
    if table.steps is None or table.first_error is None:
        return None
    pred = first_below(table.steps, threshold)
    out: dict[str, Any] = {"threshold": threshold, **first_error_scores(pred, table.first_error)}
    split = table.categorical.get("split")
    if split is not None:
        out["by_split"] = {
            str(s): first_error_scores(pred[split == s], table.first_error[split == s])
            for s in np.unique(split)
        }
        # ProcessBench's headline number: the plain average of the per-split F1s
        out["split_average_f1"] = float(np.mean([v["f1"] for v in out["by_split"].values()]))
    return out


def wrong_answer_reward(score: Floats, gold: Floats) -> dict[str, float]:
    """Mean reward and share above `HIGH_REWARD` for wrong and right final answers."""
    wrong, right = gold < 0.5, gold >= 0.5
    return {
        "mean_wrong": float(np.nanmean(score[wrong])) if wrong.any() else float("nan"),
        "mean_right": float(np.nanmean(score[right])) if right.any() else float("nan"),
        "share_wrong_above": float(np.mean(score[wrong] > HIGH_REWARD))
        if wrong.any()
        else float("nan"),
        "share_right_above": float(np.mean(score[right] > HIGH_REWARD))
        if right.any()
        else float("nan"),
        "high": HIGH_REWARD,
    }


def aggregations(table: ScoreTable) -> dict[str, dict[str, float]] | None:
    """min/mean/last/sum side by side: AUROC against gold, reward to wrong answers, and
    the correlation of the aggregate with the number of steps (sum grows with length)."""
    if table.steps is None:
        return None
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped,import-not-found,unused-ignore]

    steps_n = np.array([float(np.sum(~np.isnan(s))) for s in table.steps])
    binary = table.gold >= 0.5
    out: dict[str, dict[str, float]] = {}
    for how in AGGREGATES:
        s = aggregate(table.steps, how)
        keep = ~np.isnan(s)
        row: dict[str, float] = {}
        if binary[keep].any() and (~binary[keep]).any():
            row["auroc"] = float(roc_auc_score(binary[keep], s[keep]))
        row.update(wrong_answer_reward(s, table.gold))
        if np.ptp(steps_n[keep]) > 0 and np.ptp(s[keep]) > 0:
            row["corr_steps"] = float(np.corrcoef(s[keep], steps_n[keep])[0, 1])
        out[how] = row
    return out


__all__ = [
    "AGGREGATES",
    "HIGH_REWARD",
    "aggregate",
    "aggregations",
    "first_below",
    "first_error_report",
    "first_error_scores",
    "wrong_answer_reward",
]
