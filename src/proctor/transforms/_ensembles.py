"""Reward-model ensembles: one reward from several models' scores of the same rollouts.

Every function takes ``scores`` of shape ``(members, batch)`` (one row per reward
model) and returns a ``(batch,)`` reward. A rollout that any member could not score
(NaN) gets no ensemble reward (NaN): a conservative ensemble with a member missing
would silently become less conservative.

Source for all three: Coste, Anwar, Kirk, Krueger, "Reward Model Ensembles Help
Mitigate Overoptimization" (ICLR 2024): mean, worst-case optimisation (WCO) and
uncertainty-weighted optimisation (UWO); up to +70% gold reward in best-of-n.
Their members share an architecture and training data, so their scores share a
scale; models of different families do not, so `standardize` them first.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats


def _members(scores: ArrayLike) -> Floats:
    s = np.array(scores, dtype=np.float64, copy=True)
    if s.ndim != 2 or s.shape[0] < 1:
        raise ValueError(f"scores must have shape (members, batch), got {s.shape}")
    return s


def _with_missing(out: Floats, s: Floats) -> Floats:
    return np.where(np.isnan(s).any(axis=0), np.nan, out)


def standardize(scores: ArrayLike) -> Floats:
    """Put each member on one scale: ``(s_m − mean_m) / std_m`` over the batch (NaN ignored).

    Heterogeneous reward models (a 1–10 judge, a logit-scale classifier) are not
    comparable until standardised; a member whose scores are constant becomes 0.
    Use the same statistics for every batch you compare (standardise the whole pool).
    """
    s = _members(scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN member: handled below
        mean = np.nanmean(s, axis=1, keepdims=True)
        std = np.nanstd(s, axis=1, keepdims=True)
    std = np.where((std > 0) & np.isfinite(std), std, 1.0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    return (s - mean) / std


def ensemble_mean(scores: ArrayLike) -> Floats:
    """Mean over members: ``R(x, y) = (1/M) Σ_m r_m(x, y)`` (Coste et al., 2024)."""
    s = _members(scores)
    return _with_missing(s.mean(axis=0), s)


def ensemble_wco(scores: ArrayLike) -> Floats:
    """Worst-case optimisation: ``R(x, y) = min_m r_m(x, y)`` (Coste et al., 2024).

    The policy is paid what the most sceptical member says; a hack that fools some
    members but not all earns little."""
    s = _members(scores)
    return _with_missing(s.min(axis=0), s)


def ensemble_uwo(scores: ArrayLike, penalty: float = 1.0) -> Floats:
    """Uncertainty-weighted optimisation: ``R = mean_m r_m − λ · Var_m r_m`` (Coste et al., 2024).

    ``Var`` is the **population** variance across members (``ddof=0``, dividing by
    ``M``), as in the paper's intra-ensemble variance; ``λ`` is ``penalty`` (≥ 0).
    A rollout the members disagree on is paid less."""
    if penalty < 0:
        raise ValueError("penalty (λ) must be >= 0")
    s = _members(scores)
    return _with_missing(s.mean(axis=0) - penalty * s.var(axis=0, ddof=0), s)


__all__ = ["ensemble_mean", "ensemble_uwo", "ensemble_wco", "standardize"]
