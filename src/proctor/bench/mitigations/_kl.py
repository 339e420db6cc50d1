"""The KL-regularised optimum over a fixed pool: where RL with a KL penalty ends up.

For reward ``r`` and KL coefficient ``β`` the maximiser of ``E_π[r] − β·KL(π‖π0)``
is ``π*(y) ∝ π0(y) · exp(r(y)/β)`` (Korbak et al., "RL with KL penalties is better
viewed as Bayesian inference", 2022; the closed form DPO also builds on). Over a
pool of samples from the base policy ``π0`` is uniform, so the curve of gold under
``π*`` against ``KL(π*‖π0)`` as ``β`` falls is the overoptimisation curve of Gao et al.
(2023) without training anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]


def kl_policy(reward: ArrayLike, beta: float, base: ArrayLike | None = None) -> Floats:
    """``π*(y) ∝ π0(y) · exp(r(y)/β)`` over one pool; ``β = 0`` is the argmax (ties shared).

    ``base`` is ``π0`` (uniform when omitted). NaN rewards get probability 0."""
    r = np.asarray(reward, dtype=np.float64).reshape(-1)
    pi0 = np.full(r.shape, 1.0 / max(1, r.size)) if base is None else np.asarray(base, float)
    ok = ~np.isnan(r) & (pi0 > 0)
    out = np.zeros(r.shape)
    if not ok.any():
        return out
    if beta < 0:
        raise ValueError("beta must be >= 0")
    if beta == 0:
        best = ok & (r == np.max(r[ok]))
        weights = np.where(best, pi0, 0.0)
    else:
        logits = np.where(ok, np.log(np.where(ok, pi0, 1.0)) + np.where(ok, r, 0.0) / beta, -np.inf)
        weights = np.exp(logits - logits.max())
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def kl_divergence(pi: ArrayLike, base: ArrayLike) -> float:
    """``KL(π‖π0) = Σ π log(π/π0)`` (terms with π = 0 contribute 0)."""
    p = np.asarray(pi, dtype=np.float64)
    q = np.asarray(base, dtype=np.float64)
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def kl_curve(
    rewards: Sequence[ArrayLike], golds: Sequence[ArrayLike], betas: Sequence[float]
) -> tuple[Floats, Floats]:
    """Mean gold under ``π*`` and mean ``KL(π*‖π0)`` over many pools (uniform ``π0``), per β."""
    gold_out = np.zeros(len(betas))
    kl_out = np.zeros(len(betas))
    for r, g in zip(rewards, golds, strict=True):
        r = np.asarray(r, dtype=np.float64)
        g = np.asarray(g, dtype=np.float64)
        base = np.full(r.shape, 1.0 / r.size)
        for k, beta in enumerate(betas):
            pi = kl_policy(r, beta)
            gold_out[k] += float(pi @ np.nan_to_num(g))
            kl_out[k] += kl_divergence(pi, base)
    n = max(1, len(rewards))
    return gold_out / n, kl_out / n


__all__ = ["kl_curve", "kl_divergence", "kl_policy"]
