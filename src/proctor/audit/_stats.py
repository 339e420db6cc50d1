"""Intervals and calibration error: a bootstrap over problems, and ECE.

Candidates answering the same problem are not independent (they share its difficulty),
so every interval resamples whole problems (a cluster bootstrap), never candidates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from proctor.audit._table import Floats

Interval = tuple[float, float]


def group_members(groups: NDArray[np.int64]) -> list[NDArray[np.intp]]:
    """Candidate indices of each problem, problems in index order (empty ones dropped)."""
    order = np.argsort(groups, kind="stable")
    cuts = np.flatnonzero(np.diff(groups[order])) + 1
    return [part for part in np.split(order, cuts) if part.size]


def cluster_bootstrap(
    stat: Callable[[NDArray[np.intp]], float],
    groups: NDArray[np.int64],
    reps: int = 500,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """Percentile interval of ``stat(candidate indices)`` over problems drawn with
    replacement; NaN replicates (a draw where the statistic is undefined) are dropped."""
    members = group_members(groups)
    if len(members) < 2 or reps < 1:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    values = np.empty(reps)
    for r in range(reps):
        picks = rng.integers(0, len(members), len(members))
        values[r] = stat(np.concatenate([members[i] for i in picks]))
    values = values[~np.isnan(values)]
    if values.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return (float(lo), float(hi))


def mean_interval(values: Floats, reps: int = 1000, seed: int = 0, level: float = 0.95) -> Interval:
    """Percentile bootstrap interval of a mean of independent values (one per problem)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size < 2:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, (reps, v.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return (float(lo), float(hi))


def ece(prob: Floats, outcome: Floats, bins: int = 10) -> float:
    """Expected calibration error with equal-width bins: Σ_b (n_b/N)·|mean p − mean y|."""
    p = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(outcome, dtype=np.float64)
    keep = ~(np.isnan(p) | np.isnan(y))
    p, y = p[keep], y[keep]
    if p.size == 0:
        return float("nan")
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / p.size)


def rank_z(values: Floats) -> Floats:
    """Ranks scaled to zero mean and unit variance (ties share a rank); NaN stays NaN."""
    from scipy.stats import rankdata  # type: ignore[import-untyped,import-not-found,unused-ignore]

    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    keep = ~np.isnan(v)
    if keep.sum() < 2:
        return out
    r = rankdata(v[keep])
    sd = r.std()
    out[keep] = (r - r.mean()) / sd if sd > 0 else 0.0
    return out


__all__ = ["Interval", "cluster_bootstrap", "ece", "group_members", "mean_interval", "rank_z"]
