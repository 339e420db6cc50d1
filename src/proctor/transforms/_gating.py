"""Detector-gated rewards: a reward is withheld in proportion to the auditor's hack verdict."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats, as_rewards, same_length


def _probabilities(hack_probability: ArrayLike, n: int) -> Floats:
    p = same_length("hack_probability", hack_probability, n)
    if p.ndim != 1:
        raise ValueError(f"hack_probability must be 1-D, got shape {p.shape}")
    # a missing verdict is no evidence of a hack: gate nothing rather than everything
    p = np.where(np.isnan(p), 0.0, p)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("hack_probability must lie in [0, 1]")
    return p


def hard_gate(rewards: ArrayLike, hack_probability: ArrayLike, threshold: float = 0.5) -> Floats:
    """Zero the reward of every rollout the detector calls a hack.

    ``r' = 0 if p >= threshold else r``, with ``p`` the detector ensemble's calibrated
    hack probability (`proctor.detectors.Ensemble`). NaN rewards (no reward) stay NaN;
    a NaN probability (no verdict) gates nothing.

    Source: the gate of Adversarial Reward Auditing (an auditor's verdict decides whether
    the policy is paid; 2025). A hard gate makes a detected hack worth exactly a failed
    attempt, so it never out-earns an honest wrong answer.

    Example: ``hard_gate([1.0, 1.0], [0.9, 0.1])`` → ``[0.0, 1.0]``.
    """
    r = as_rewards(rewards)
    p = _probabilities(hack_probability, r.shape[0])
    return np.where((p >= threshold) & ~np.isnan(r), 0.0, r)


def soft_gate(rewards: ArrayLike, hack_probability: ArrayLike) -> Floats:
    """Scale each reward by the probability that the rollout is not a hack.

    ``r' = r · (1 − p)``. Unlike `hard_gate` there is no threshold to tune, and the
    expected reward of a rollout equals its reward times the chance it is honest. NaN
    rewards stay NaN; a NaN probability gates nothing.

    Source: the soft variant of the Adversarial Reward Auditing gate (2025).

    Example: ``soft_gate([1.0, 1.0], [0.9, 0.1])`` → ``[0.1, 0.9]``.
    """
    r = as_rewards(rewards)
    p = _probabilities(hack_probability, r.shape[0])
    return r * (1.0 - p)


__all__ = ["hard_gate", "soft_gate"]
