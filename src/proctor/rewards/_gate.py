"""Detector gating of rewards, through `proctor.transforms` (imported when a gate is used)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

Gate = Literal["none", "hard", "soft"]
"""``none``: detector verdicts are monitor-only; ``hard``: reward 0 where the hack
probability reaches the threshold; ``soft``: reward scaled by (1 - hack probability)."""

GATES: tuple[Gate, ...] = ("none", "hard", "soft")


def apply_gate(
    gate: Gate,
    rewards: Sequence[float | None],
    probabilities: Sequence[float | None],
    threshold: float = 0.5,
) -> list[float | None]:
    """Gate ``rewards`` by ``probabilities``; a ``None`` reward stays ``None``.

    A missing probability (no verdict) counts as 0: the gate never punishes a sample
    the detectors did not look at.
    """
    if gate == "none":
        return list(rewards)
    from proctor.transforms import hard_gate, soft_gate

    r = np.array([math.nan if v is None else v for v in rewards], dtype=float)
    p = np.array([0.0 if v is None else v for v in probabilities], dtype=float)
    if gate == "hard":
        gated = hard_gate(r, p, threshold=threshold)
    elif gate == "soft":
        gated = soft_gate(r, p)
    else:
        raise ValueError(f"unknown gate {gate!r}; choose one of {', '.join(GATES)}")
    return [None if math.isnan(v) else float(v) for v in np.asarray(gated, dtype=float)]


__all__ = ["GATES", "Gate", "apply_gate"]
