"""Shared input checks for the reward transforms (batches are 1-D float arrays)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]
"""A float64 array: rewards, probabilities, scores. NaN means "no reward"."""


def as_rewards(values: ArrayLike, name: str = "rewards") -> Floats:
    """``values`` as a 1-D float64 array (a copy, so a transform never edits its input)."""
    out = np.array(values, dtype=np.float64, copy=True)
    if out.ndim != 1:
        raise ValueError(f"{name} must be a 1-D batch, got shape {out.shape}")
    return out


def same_length(name: str, values: ArrayLike, n: int) -> Floats:
    """``values`` as a float array whose first axis has length ``n``."""
    out = np.array(values, dtype=np.float64, copy=True)
    if out.ndim == 0 or out.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows (one per reward), got shape {out.shape}")
    return out


def group_index(groups: ArrayLike | None, n: int) -> NDArray[np.intp]:
    """Dense group numbers ``0..k-1`` for any hashable labels; ``None`` = one group."""
    if groups is None:
        return np.zeros(n, dtype=np.intp)
    labels: list[Any] = list(np.asarray(groups, dtype=object).reshape(-1))
    if len(labels) != n:
        raise ValueError(f"groups must have {n} labels (one per reward), got {len(labels)}")
    seen: dict[Any, int] = {}
    return np.array([seen.setdefault(label, len(seen)) for label in labels], dtype=np.intp)


def rewarded_groups(rewards: Floats, groups: ArrayLike | None) -> Iterator[NDArray[np.intp]]:
    """Per group, in first-seen order, the indices of its members that have a reward
    (not NaN); groups with none are skipped."""
    g = group_index(groups, rewards.shape[0])
    for k in range(int(g.max(initial=-1)) + 1):
        idx = np.flatnonzero((g == k) & ~np.isnan(rewards))
        if idx.size:
            yield idx


__all__ = ["Floats", "as_rewards", "group_index", "rewarded_groups", "same_length"]
