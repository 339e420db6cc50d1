"""Tabular GRPO over fixed candidate pools: a policy-gradient loop with no model in it.

Each prompt ``p`` has a pool of ``K`` candidates with a proxy reward and a gold score.
The policy is a softmax over the pool, ``π(y) ∝ exp(θ_y)``, starting uniform (the pool
is a sample of the base policy, so uniform *is* ``π0``). Each step, for every prompt:

1. sample a group of ``G`` candidates from ``π`` (with replacement);
2. shape their proxy rewards (``shaping``: raw, PAR, log-sigmoid, a gate, ...);
3. GRPO advantages ``A_i = (s_i − mean s) / (std s + ε)`` within the group;
4. ``θ ← θ + η · [ (1/G) Σ_i A_i ∇log π(y_i) − β ∇KL(π‖π0) ]``, with the exact
   tabular gradients ``∇_θ log π(y) = e_y − π`` and ``∇_θ KL = π ⊙ (log π/π0 − KL)``.

What is tracked is exact, not sampled: gold and proxy under ``π`` (``Σ_y π(y)·g(y)``)
and ``KL(π‖π0)`` after every step. Because the group advantage is invariant to an
affine change of reward but not to a non-linear one, this loop is where PAR and the
log-sigmoid transform differ from raw rewards (best-of-n cannot tell them apart).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Shaping = Callable[[Floats, NDArray[np.intp]], Floats]
"""``shaping(proxy, index)``: proxy rewards of the sampled candidates, shape ``(P, G)``, and
their pool indices → the rewards the policy is trained on, same shape."""


def raw(proxy: Floats, index: NDArray[np.intp]) -> Floats:
    """The identity shaping: train on the proxy as it is."""
    return proxy


@dataclass(frozen=True)
class GRPOConfig:
    """Hyper-parameters of the tabular loop."""

    steps: int = 150
    group_size: int = 8
    learning_rate: float = 1.0
    kl_coef: float = 0.02
    """β: weight of the KL penalty toward the uniform base policy."""
    scale_advantage: bool = True
    """Divide by the group's std (GRPO); False centres only (Dr. GRPO)."""


@dataclass
class GRPOTrace:
    """Exact per-step averages over prompts: index 0 is the start, index t after step t."""

    gold: Floats
    proxy: Floats
    kl: Floats


def _softmax(theta: Floats) -> Floats:
    top = np.max(theta, axis=1, keepdims=True)
    w = np.exp(theta - top)
    out: Floats = w / w.sum(axis=1, keepdims=True)
    return out


def tabular_grpo(
    proxy: Floats,
    gold: Floats,
    shaping: Shaping = raw,
    config: GRPOConfig | None = None,
    seed: int = 0,
) -> GRPOTrace:
    """Run the loop on ``P`` pools padded to ``K`` (``proxy``, ``gold``: shape ``(P, K)``).

    A NaN proxy marks a padding slot or a candidate with no reward: it is never sampled.
    """
    cfg = config or GRPOConfig()
    proxy = np.asarray(proxy, dtype=np.float64)
    gold = np.nan_to_num(np.asarray(gold, dtype=np.float64))
    if proxy.ndim != 2 or proxy.shape != gold.shape:
        raise ValueError("proxy and gold must both have shape (prompts, pool size)")
    rng = np.random.default_rng(seed)
    valid = ~np.isnan(proxy)
    rows = np.flatnonzero(valid.any(axis=1))
    proxy, gold, valid = proxy[rows], gold[rows], valid[rows]
    n_prompts, size = proxy.shape
    theta = np.where(valid, 0.0, -np.inf)
    log_pi0 = np.log(_softmax(theta), where=valid, out=np.zeros_like(theta))
    filled = np.where(valid, proxy, 0.0)
    trace_gold, trace_proxy, trace_kl = [], [], []
    arange = np.arange(n_prompts)[:, None]
    for step in range(cfg.steps + 1):
        pi = _softmax(theta)
        log_pi = np.log(pi, where=valid, out=np.zeros_like(pi))
        kl = np.sum(np.where(valid, pi * (log_pi - log_pi0), 0.0), axis=1)
        trace_gold.append(float(np.mean(np.sum(pi * gold, axis=1))))
        trace_proxy.append(float(np.mean(np.sum(pi * filled, axis=1))))
        trace_kl.append(float(np.mean(kl)))
        if step == cfg.steps:
            break
        cdf = np.cumsum(pi, axis=1)
        u = rng.random((n_prompts, cfg.group_size)) * cdf[:, -1:]
        index = np.minimum((cdf[:, None, :] < u[:, :, None]).sum(axis=2), size - 1)
        shaped = np.asarray(shaping(proxy[arange, index], index), dtype=np.float64)
        shaped = np.where(np.isnan(shaped), np.nanmean(shaped, axis=1, keepdims=True), shaped)
        advantage = shaped - shaped.mean(axis=1, keepdims=True)
        if cfg.scale_advantage:
            advantage = advantage / (shaped.std(axis=1, keepdims=True) + 1e-6)
        counts = np.zeros_like(pi)
        np.add.at(counts, (np.repeat(arange, cfg.group_size, axis=1), index), advantage)
        policy_grad = (counts - advantage.sum(axis=1, keepdims=True) * pi) / cfg.group_size
        kl_grad = np.where(valid, pi * (log_pi - log_pi0 - kl[:, None]), 0.0)
        theta = theta + cfg.learning_rate * (policy_grad - cfg.kl_coef * kl_grad)
    return GRPOTrace(np.array(trace_gold), np.array(trace_proxy), np.array(trace_kl))


def pad_pools(values: list[Floats]) -> Floats:
    """Stack ragged pools into ``(P, K)`` with NaN padding."""
    size = max((v.size for v in values), default=0)
    out = np.full((len(values), size), np.nan)
    for i, v in enumerate(values):
        out[i, : v.size] = v
    return out


__all__ = ["GRPOConfig", "GRPOTrace", "Shaping", "pad_pools", "raw", "tabular_grpo"]
