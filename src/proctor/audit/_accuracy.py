"""Does the scorer pick the correct solution? 1-vs-rest accuracy, MRR, best-of-n, agreement.

RewardMATH's definitions (its official ``eval.py``): a problem counts as solved when
the correct solution's score is strictly above every incorrect one's (a tie is a
miss), and MRR is 1/rank of the correct solution with ties ranked pessimistically.
Best-of-n is the exact expectation over draws of ``n`` candidates
(`proctor.audit.best_of_n`); over-optimisation shows as gold falling while the
scorer's own (within-problem standardised) score of the pick keeps rising.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from proctor.audit._bestofn import best_of_n_pools
from proctor.audit._stats import group_members, mean_interval
from proctor.audit._table import ScoreTable


def one_vs_rest(table: ScoreTable, reps: int = 1000) -> dict[str, Any] | None:
    """Accuracy and MRR on problems with exactly one correct candidate (None if none has)."""
    hits, rr = [], []
    for m in group_members(table.groups):
        g, s = table.gold[m], table.score[m]
        if m.size < 2 or (g == 1).sum() != 1 or (g == 0).sum() != m.size - 1:
            continue
        right = s[g == 1][0]
        wrong = s[g == 0]
        if np.isnan(right):
            hits.append(0.0)
            rr.append(1.0 / m.size)
            continue
        wrong = wrong[~np.isnan(wrong)]
        hits.append(float(right > wrong.max()) if wrong.size else 1.0)
        rr.append(1.0 / (1 + int((wrong >= right).sum())))
    if not hits:
        return None
    acc, mrr = np.array(hits), np.array(rr)
    return {
        "problems": len(hits),
        "accuracy": float(acc.mean()),
        "accuracy_ci": mean_interval(acc, reps),
        "mrr": float(mrr.mean()),
        "mrr_ci": mean_interval(mrr, reps),
        "chance": float(
            np.mean(
                [
                    1.0 / table.gold[m].size
                    for m in group_members(table.groups)
                    if table.gold[m].size > 1
                ]
            )
        ),
    }


def pairwise_accuracy(table: ScoreTable) -> float:
    """P(correct scores above incorrect) over within-problem pairs, ties counting ½."""
    wins = total = 0.0
    for m in group_members(table.groups):
        s, g = table.score[m], table.gold[m]
        right, wrong = s[(g == 1) & ~np.isnan(s)], s[(g == 0) & ~np.isnan(s)]
        if right.size and wrong.size:
            diff = right[:, None] - wrong[None, :]
            wins += (diff > 0).sum() + 0.5 * (diff == 0).sum()
            total += diff.size
    return float(wins / total) if total else float("nan")


def agreement(table: ScoreTable) -> dict[str, float]:
    """AUROC and Spearman ρ of score against binary gold over all candidates, and the
    within-problem pairwise accuracy (which ignores between-problem score offsets)."""
    from scipy.stats import spearmanr  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped,import-not-found,unused-ignore]

    keep = ~np.isnan(table.score) & ~np.isnan(table.gold)
    s, g = table.score[keep], table.gold[keep]
    binary = g >= 0.5
    out = {"pairwise_accuracy": pairwise_accuracy(table)}
    if binary.any() and (~binary).any():
        out["auroc"] = float(roc_auc_score(binary, s))
    if s.size > 2 and np.ptp(s) > 0 and np.ptp(g) > 0:
        out["spearman"] = float(spearmanr(s, g).statistic)
    return out


def _within_z(table: ScoreTable) -> np.ndarray:
    z = np.full(table.score.shape, np.nan)
    for m in group_members(table.groups):
        s = table.score[m]
        sd = np.nanstd(s)
        z[m] = (s - np.nanmean(s)) / sd if sd > 0 else 0.0
    return z


def best_of_n_curve(table: ScoreTable, ns: list[int] | None = None) -> dict[str, Any] | None:
    """Gold and proxy of the best-of-n pick for each n, and the over-optimisation read-out:
    the n where gold peaks and how far it falls from there to the largest n."""
    members = [m for m in group_members(table.groups) if m.size > 1]
    if not members:
        return None
    # up to the pool size at least half the problems reach: past it the curve would
    # rest on a handful of problems
    largest = int(np.median([m.size for m in members]))
    ns = ns or list(range(1, largest + 1))
    proxies = [table.score[m] for m in members]
    gold = best_of_n_pools(proxies, [table.gold[m] for m in members], ns)
    z = _within_z(table)
    proxy = best_of_n_pools(proxies, [z[m] for m in members], ns)
    finite = ~np.isnan(gold)
    if not finite.any():
        return None
    peak = int(np.nanargmax(gold))
    last = int(np.flatnonzero(finite)[-1])
    return {
        "ns": ns,
        "gold": [float(x) for x in gold],
        "proxy_z": [float(x) for x in proxy],
        "problems": len(members),
        "peak_n": ns[peak],
        "peak_gold": float(gold[peak]),
        "gold_at_max_n": float(gold[last]),
        "drop_from_peak": float(gold[peak] - gold[last]),
        "random_pick": float(gold[0]),
    }


__all__ = ["agreement", "best_of_n_curve", "one_vs_rest", "pairwise_accuracy"]
