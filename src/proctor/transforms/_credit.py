"""Credit assignment for process (step-level) rewards: min-form (PURE) and sum-form.

``step_rewards`` has shape ``(batch, steps)``: one row per trajectory, one column per
reasoning step, NaN after a trajectory's last step (ragged batches are padded).
Each function returns per-step credited rewards of the same shape; `step_returns`
turns them into returns-to-go, whose first column is the trajectory's return.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats


def _steps(step_rewards: ArrayLike) -> Floats:
    p = np.array(step_rewards, dtype=np.float64, copy=True)
    if p.ndim != 2:
        raise ValueError(f"step_rewards must have shape (batch, steps), got {p.shape}")
    return p


def min_form_credit(step_rewards: ArrayLike, temperature: float = 0.1) -> Floats:
    """PURE's min-form credit: ``r*_t = softmax_t(−p_t / T) · p_t``.

    The weights sum to 1 over a trajectory's steps and concentrate on its worst step
    as ``T → 0``, so the return ``Σ_t r*_t`` approximates ``min_t p_t``: one bad step
    sinks the trajectory, and padding a solution with easy steps earns nothing.
    Sum-form credit (`sum_form_credit`) instead pays for every extra step, which
    the policy learns to exploit (many short, trivially right steps) until training
    collapses. NaN steps are padding and stay NaN.

    Source: Cheng et al., "Stop Summation: Min-Form Credit Assignment Is All Process
    Reward Model Needs for Reasoning" (PURE, 2025): matches verifiable-reward RL in
    30% of the steps, where sum-form collapses.
    """
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    p = _steps(step_rewards)
    pad = np.isnan(p)
    logits = np.where(pad, -np.inf, -p / temperature)
    top = np.max(logits, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)  # an all-padding row: weights stay 0
    weights = np.exp(logits - top)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    return np.where(pad, np.nan, weights * np.where(pad, 0.0, p))


def sum_form_credit(step_rewards: ArrayLike) -> Floats:
    """Sum-form credit, for comparison: ``r*_t = p_t`` (the return is ``Σ_t p_t``).

    The usual way step rewards enter RL returns; see `min_form_credit` for why it
    is hackable."""
    return _steps(step_rewards)


def step_returns(credited: ArrayLike) -> Floats:
    """Returns-to-go ``G_t = Σ_{i ≥ t} r*_i`` (NaN padding counts 0 and stays NaN)."""
    c = _steps(credited)
    pad = np.isnan(c)
    togo = np.cumsum(np.where(pad, 0.0, c)[:, ::-1], axis=1)[:, ::-1]
    return np.where(pad, np.nan, togo)


def trajectory_return(credited: ArrayLike) -> Floats:
    """Each trajectory's return ``Σ_t r*_t`` (NaN for a trajectory with no steps)."""
    c = _steps(credited)
    empty = np.isnan(c).all(axis=1)
    return np.where(empty, np.nan, np.nansum(c, axis=1))


__all__ = ["min_form_credit", "step_returns", "sum_form_credit", "trajectory_return"]
