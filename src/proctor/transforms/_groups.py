"""Group-relative rewards: each rollout scored against the other rollouts of its group."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats, as_rewards, rewarded_groups


def group_win_rate(rewards: ArrayLike, groups: ArrayLike | None = None) -> Floats:
    """Each rollout's win rate against the other members of its group.

    ``r'_i = (1/(G_i − 1)) Σ_{j ≠ i, j ∈ g(i)} (1[r_i > r_j] + ½ · 1[r_i = r_j])``,
    over the members with a reward (NaN rewards stay NaN and are not opponents). A
    rollout alone in its group gets ½. ``groups`` holds one label per reward (any
    hashable: a prompt id, ``"s3/task7"``); ``None`` means one group.

    The win rate depends only on the order of rewards within the group: a reward
    model's scale, offsets and small score gaps it cannot resolve stop mattering.

    Source: Wang et al., "Pref-GRPO: Pairwise Preference Reward-based GRPO for Stable
    Text-to-Image Reinforcement Learning" (2025).

    Example: ``group_win_rate([1.0, 2.0, 3.0, 9.0], ["a", "a", "b", "b"])``
    → ``[0.0, 1.0, 0.0, 1.0]``.
    """
    r = as_rewards(rewards)
    out = np.full(r.shape, np.nan)
    for idx in rewarded_groups(r, groups):
        if idx.size == 1:
            out[idx] = 0.5
            continue
        v = r[idx]
        ties = (v[:, None] == v[None, :]).sum(axis=1) - 1  # minus the rollout itself
        wins = (v[:, None] > v[None, :]).sum(axis=1) + 0.5 * ties
        out[idx] = wins / (idx.size - 1)
    return out


def group_advantage(
    rewards: ArrayLike, groups: ArrayLike | None = None, scale: bool = True, eps: float = 1e-6
) -> Floats:
    """GRPO's group-relative advantage: ``A_i = (r_i − mean_g r) / (std_g r + ε)``.

    ``std`` is the population standard deviation over the group's members with a
    reward; ``scale=False`` keeps only the centring (Dr. GRPO's choice, which does
    not amplify groups whose rewards barely differ). NaN rewards get NaN advantages.

    Sources: Shao et al., "DeepSeekMath" (2024) for GRPO; Liu et al., "Understanding
    R1-Zero-Like Training: A Critical Perspective" (2025) for the unscaled variant.
    """
    r = as_rewards(rewards)
    out = np.full(r.shape, np.nan)
    for idx in rewarded_groups(r, groups):
        v = r[idx]
        centred = v - v.mean()
        out[idx] = centred / (v.std() + eps) if scale else centred
    return out


__all__ = ["group_advantage", "group_win_rate"]
