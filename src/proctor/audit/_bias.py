"""Bias probes from the data itself: does the score follow something other than correctness?

Each probe compares candidates of equal correctness, so a scorer is not blamed for
longer solutions being more often right. Candidates are put in blocks: (problem,
gold) where problems have several candidates (RewardMATH: the nine incorrect
solutions of a problem compete), otherwise (gold, split) so a hard split's long wrong
solutions are not compared with an easy split's. Within a block, scores (and numeric
features) become rank z-scores; then

- numeric features (``length``, ``steps``): the pooled correlation of the two;
- categories (``generator``): the mean score z per category, and the spread between
  the highest and lowest category;
- binary format flags: the mean score z with the flag minus without.

Intervals resample whole problems (`cluster_bootstrap`). A probe is flagged when its
interval excludes 0 and the effect is at least ``min_effect``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from proctor.audit._stats import cluster_bootstrap, group_members, rank_z
from proctor.audit._table import Floats, ScoreTable

MIN_CORRELATION = 0.1
MIN_SHIFT = 0.2
MIN_CATEGORY = 10
"""Categories with fewer candidates are left out of the generator probe."""


def blocks(table: ScoreTable) -> NDArray[np.int64]:
    """Block id per candidate (see the module docstring)."""
    sizes = [m.size for m in group_members(table.groups)]
    if sizes and float(np.median(sizes)) >= 2:
        key = table.groups * 2 + (table.gold >= 0.5)
    else:
        split = table.categorical.get("split")
        codes = (
            np.unique(split, return_inverse=True)[1]
            if split is not None
            else np.zeros(len(table), dtype=np.int64)
        )
        key = codes * 2 + (table.gold >= 0.5)
    return np.unique(key, return_inverse=True)[1].astype(np.int64)


def within(values: Floats, block: NDArray[np.int64]) -> Floats:
    """Rank z-score of ``values`` inside each block (NaN for blocks of one)."""
    out = np.full(values.shape, np.nan)
    for b in np.unique(block):
        m = block == b
        if m.sum() > 1:
            out[m] = rank_z(values[m])
    return out


def _corr(a: Floats, b: Floats) -> float:
    keep = ~(np.isnan(a) | np.isnan(b))
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return float("nan")
    return float(np.corrcoef(a[keep], b[keep])[0, 1])


def _flag(effect: float, ci: tuple[float, float], minimum: float) -> bool:
    lo, hi = ci
    return bool(not np.isnan(lo) and (lo > 0 or hi < 0) and abs(effect) >= minimum)


def numeric_probe(
    table: ScoreTable, feature: str, z: Floats, block: NDArray[np.int64], reps: int, seed: int
) -> dict[str, Any]:
    """Within-block correlation of score with a numeric feature."""
    f = within(table.numeric[feature], block)
    effect = _corr(z, f)
    ci = cluster_bootstrap(lambda i: _corr(z[i], f[i]), table.groups, reps, seed)
    return {
        "probe": f"score vs {feature}",
        "feature": feature,
        "kind": "correlation",
        "effect": effect,
        "ci": ci,
        "flagged": _flag(effect, ci, MIN_CORRELATION),
        "n": int((~np.isnan(f) & ~np.isnan(z)).sum()),
    }


def flag_probe(
    table: ScoreTable, feature: str, z: Floats, reps: int, seed: int
) -> dict[str, Any] | None:
    """Mean within-block score z with the format flag minus without."""
    has = table.flags[feature]
    if has.all() or not has.any():
        return None

    def shift(i: np.ndarray) -> float:
        zi, hi = z[i], has[i]
        a, b = zi[hi & ~np.isnan(zi)], zi[~hi & ~np.isnan(zi)]
        return float(a.mean() - b.mean()) if a.size and b.size else float("nan")

    effect = shift(np.arange(len(table)))
    ci = cluster_bootstrap(shift, table.groups, reps, seed)
    return {
        "probe": f"score with {feature}",
        "feature": feature,
        "kind": "shift (SD)",
        "effect": effect,
        "ci": ci,
        "flagged": _flag(effect, ci, MIN_SHIFT),
        "n": int(has.sum()),
        "share": float(has.mean()),
    }


def category_probe(
    table: ScoreTable, feature: str, z: Floats, reps: int, seed: int
) -> dict[str, Any] | None:
    """Mean within-block score z per category and the spread highest − lowest."""
    labels = table.categorical[feature]
    names, counts = np.unique(labels[~np.isnan(z)], return_counts=True)
    names = names[counts >= MIN_CATEGORY]
    if names.size < 2:
        return None

    codes = np.searchsorted(names, labels)
    known = np.isin(labels, names) & ~np.isnan(z)

    def means(i: np.ndarray) -> Floats:
        i = i[known[i]]
        total = np.bincount(codes[i], weights=z[i], minlength=names.size)
        count = np.bincount(codes[i], minlength=names.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def spread(i: np.ndarray) -> float:
        m = means(i)
        m = m[~np.isnan(m)]
        return float(m.max() - m.min()) if m.size > 1 else float("nan")

    every = np.arange(len(table))
    per = means(every)
    effect = spread(every)
    ci = cluster_bootstrap(spread, table.groups, reps, seed)
    order = np.argsort(-per)
    return {
        "probe": f"score vs {feature}",
        "feature": feature,
        "kind": "spread (SD)",
        "effect": effect,
        "ci": ci,
        "flagged": _flag(effect, ci, MIN_SHIFT),
        "n": int(np.isin(labels, names).sum()),
        "categories": {str(names[k]): float(per[k]) for k in order},
        "highest": str(names[order[0]]),
        "lowest": str(names[order[-1]]),
    }


def bias_probes(table: ScoreTable, reps: int = 300, seed: int = 0) -> list[dict[str, Any]]:
    """Every probe the table's features allow."""
    block = blocks(table)
    z = within(table.score, block)
    out: list[dict[str, Any]] = []
    for name in sorted(table.numeric):
        if np.isnan(table.numeric[name]).all():
            continue
        out.append(numeric_probe(table, name, z, block, reps, seed))
    for name in sorted(table.categorical):
        if name == "split":
            continue
        probe = category_probe(table, name, z, reps, seed)
        if probe:
            out.append(probe)
    for name in sorted(table.flags):
        probe = flag_probe(table, name, z, reps, seed)
        if probe:
            out.append(probe)
    return out


__all__ = ["bias_probes", "blocks", "category_probe", "flag_probe", "numeric_probe", "within"]
