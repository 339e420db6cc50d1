"""Best-of-n over a finite pool, computed exactly by order statistics (no Monte Carlo).

Draw ``n`` of the pool's ``N`` candidates uniformly without replacement and keep the
one the proxy scores highest (ties broken uniformly at random). The expected gold
score of the kept candidate is

    E[gold] = Σ_v P(max proxy among the n drawn = v) · mean{gold_i : proxy_i = v},
    P(max = v) = [C(#{proxy ≤ v}, n) − C(#{proxy < v}, n)] / C(N, n).

The second factor is exact under random tie-breaking: given that the best drawn
proxy is ``v``, every pool member scoring ``v`` is equally likely to be the one
kept. This is the unbiased best-of-n estimator of Nakano et al. (WebGPT, 2021) and
Gao et al., "Scaling Laws for Reward Model Overoptimization" (2023), in closed form.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]


def _choose_ratio(size: int, max_n: int) -> Floats:
    """``ratio[a, n] = C(a, n) / C(size, n)`` for ``a ≤ size``, ``1 ≤ n ≤ max_n`` (column 0 unused).

    Built as the running product ``Π_{i<n} (a − i) / (size − i)``, which stays in [0, 1]
    and never forms the huge binomials themselves."""
    a = np.arange(size + 1, dtype=np.float64)[:, None]
    i = np.arange(max_n, dtype=np.float64)[None, :]
    factors = np.clip(a - i, 0.0, None) / (size - i)
    ratio = np.ones((size + 1, max_n + 1))
    ratio[:, 1:] = np.cumprod(factors, axis=1)
    return ratio


def best_of_n(proxy: ArrayLike, gold: ArrayLike, ns: Sequence[int]) -> Floats:
    """Expected gold of the proxy's best-of-``n`` pick from one pool, for each ``n`` in ``ns``.

    Candidates with a NaN proxy (no reward) cannot be picked and leave the pool; an
    ``n`` larger than what is left gives NaN.
    """
    p = np.asarray(proxy, dtype=np.float64).reshape(-1)
    g = np.asarray(gold, dtype=np.float64).reshape(-1)
    if p.shape != g.shape:
        raise ValueError(f"proxy and gold differ in length: {p.shape[0]} vs {g.shape[0]}")
    keep = ~np.isnan(p)
    p, g = p[keep], g[keep]
    size = p.shape[0]
    out = np.full(len(ns), np.nan)
    if size == 0:
        return out
    values, inverse = np.unique(p, return_inverse=True)
    counts = np.bincount(inverse, minlength=values.size)
    mean_gold = np.bincount(inverse, weights=g, minlength=values.size) / counts
    at_most = np.cumsum(counts)
    below = at_most - counts
    max_n = min(size, max(ns, default=0))
    ratio = _choose_ratio(size, max(max_n, 1))
    for k, n in enumerate(ns):
        if n < 1:
            raise ValueError("n must be >= 1")
        if n > size:
            continue
        prob = ratio[at_most, n] - ratio[below, n]
        out[k] = float(prob @ mean_gold)
    return out


def best_of_n_pools(
    proxies: Sequence[ArrayLike], golds: Sequence[ArrayLike], ns: Sequence[int]
) -> Floats:
    """`best_of_n` averaged over many pools (one per prompt/task), NaN pools left out."""
    rows = np.array([best_of_n(p, g, ns) for p, g in zip(proxies, golds, strict=True)])
    if rows.size == 0:
        return np.full(len(ns), np.nan)
    with np.errstate(invalid="ignore"):
        valid = ~np.isnan(rows)
        total = np.where(valid, rows, 0.0).sum(axis=0)
        count = valid.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


__all__ = ["best_of_n", "best_of_n_pools"]
