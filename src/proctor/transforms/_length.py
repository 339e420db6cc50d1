"""Length control: a soft penalty for responses that run past a length budget."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats, as_rewards, same_length


def overlong_penalty(lengths: ArrayLike, max_length: int, buffer: int) -> Floats:
    """The soft overlong penalty alone (≤ 0), per response length ``L``.

    ``0`` when ``L ≤ L_max − L_buf``; ``(L_max − L_buf − L) / L_buf`` (falling
    linearly from 0 to −1) inside the buffer; ``−1`` when ``L > L_max``.

    Source: Yu et al., "DAPO: An Open-Source LLM Reinforcement Learning System at
    Scale" (2025), soft overlong punishment.
    """
    if buffer <= 0 or buffer > max_length:
        raise ValueError("buffer must be in (0, max_length]")
    n = np.asarray(lengths).reshape(-1).shape[0]
    length = same_length("lengths", lengths, n)
    start = max_length - buffer
    ramp = (start - length) / buffer
    return np.where(length <= start, 0.0, np.where(length <= max_length, ramp, -1.0))


def soft_overlong(rewards: ArrayLike, lengths: ArrayLike, max_length: int, buffer: int) -> Floats:
    """``r' = r + penalty(L)`` with the DAPO soft overlong penalty (`overlong_penalty`).

    ``lengths`` are response lengths in tokens (or any unit ``max_length`` and
    ``buffer`` use), one per reward. NaN rewards stay NaN.

    Example: ``soft_overlong([1.0, 1.0, 1.0], [100, 950, 1200], 1000, 100)``
    → ``[1.0, 0.5, 0.0]``.
    """
    r = as_rewards(rewards)
    length = same_length("lengths", lengths, r.shape[0])
    return r + overlong_penalty(length, max_length, buffer)


__all__ = ["overlong_penalty", "soft_overlong"]
