"""Reward shaping against a reference: Preference-As-Reward and the log-sigmoid transform.

Both compare a rollout's reward with the reward of reference responses to the same
prompt (e.g. the SFT policy's samples), so they need one reference per rollout:
pass ``reference`` with one row per reward. Both are monotone in the reward, so they
never change which rollout best-of-n picks; they change how much more a higher
reward is worth, which is what a policy-gradient step or a KL-regularised optimum
sees.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats, as_rewards, same_length


def _sigmoid(x: Floats) -> Floats:
    out: Floats = 0.5 * (1.0 + np.tanh(0.5 * x))  # tanh form: no overflow for large |x|
    return out


def par(rewards: ArrayLike, reference: ArrayLike, scale: float = 1.0) -> Floats:
    """Preference-As-Reward: ``r' = (1/M) Σ_m σ(k · (r − r_ref,m))``.

    ``reference`` has shape ``(batch,)`` (one reference reward per rollout) or
    ``(batch, M)`` (``M`` references per rollout, NaN where missing); ``k`` is
    ``scale``. The result lies in ``[0, 1]``: the rollout's expected win rate
    against the references under a Bradley–Terry model. It is bounded and flat once
    a rollout beats its references clearly, so extreme proxy scores (where reward
    hacking lives) earn almost nothing over merely good ones.

    Source: Fu et al., "Reward Shaping to Mitigate Reward Hacking in RLHF" (2025):
    at least 5 points higher AlpacaEval 2 win rate than other shaping methods.

    Example: ``par([0.0, 10.0], [0.0, 0.0])`` → ``[0.5, 0.99995]``.
    """
    if scale <= 0:
        raise ValueError("scale (k) must be > 0")
    r = as_rewards(rewards)
    ref = same_length("reference", reference, r.shape[0])
    if ref.ndim == 1:
        ref = ref[:, None]
    if ref.ndim != 2:
        raise ValueError(f"reference must have shape (batch,) or (batch, M), got {ref.shape}")
    wins = _sigmoid(scale * (r[:, None] - ref))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no reference: NaN, kept
        return np.asarray(np.nanmean(wins, axis=1), dtype=np.float64)


def log_sigmoid(rewards: ArrayLike, reference: ArrayLike) -> Floats:
    """The Bradley–Terry log-sigmoid transform: ``r' = log σ(r − r_ref(x))``.

    ``reference`` holds one reference reward per rollout (shape ``(batch,)``), e.g. a
    high quantile of the reference policy's rewards for the prompt. The result is
    ``≤ 0``, steep below the reference and flat above it: improving a bad response
    pays, pushing a good one further does not. Summing transformed rewards of
    several reward models then approximates a logical AND of "better than reference".

    Source: Wang et al., "Transforming and Combining Rewards for Aligning Large
    Language Models" (ICML 2024).

    Example: ``log_sigmoid([0.0], [0.0])`` → ``[-0.693...]``.
    """
    r = as_rewards(rewards)
    ref = same_length("reference", reference, r.shape[0])
    if ref.ndim != 1:
        raise ValueError(f"reference must have shape (batch,), got {ref.shape}")
    x = r - ref
    # log σ(x) = −log(1 + e^(−x)), written so neither branch overflows
    return np.asarray(np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x))), dtype=np.float64)


__all__ = ["log_sigmoid", "par"]
