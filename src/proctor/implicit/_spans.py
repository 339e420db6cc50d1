"""The spans of a completion that carry the most implicit reward.

A span is a run of consecutive completion tokens. The top span is the run with the
largest summed reward (a maximum-sum segment, Kadane's algorithm), optionally at
most ``max_tokens`` long; the next ones are found the same way in what the earlier
ones left, so spans never overlap. Each span maps back to a ``[start, end)``
character range of the completion, the range its first token starts and its last
token ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Span:
    """Consecutive completion tokens and the implicit reward they carry."""

    start: int
    """First character of the span in the completion."""
    end: int
    """One past its last character (``completion[start:end]`` is the span's text)."""
    first_token: int
    """Index of its first completion token."""
    last_token: int
    """Index of its last completion token (inclusive)."""
    reward: float
    """Summed implicit reward of its tokens."""
    text: str
    """``completion[start:end]``."""

    @property
    def tokens(self) -> int:
        """How many tokens it holds."""
        return self.last_token - self.first_token + 1


def _best_segment(values: np.ndarray, max_tokens: int | None) -> tuple[int, int, float]:
    """``(first, last, sum)`` of the maximum-sum segment (at most ``max_tokens`` long)."""
    n = values.size
    if max_tokens is None or max_tokens >= n:
        best, best_i, best_j = -np.inf, 0, 0
        run, run_i = 0.0, 0
        for j, v in enumerate(values):
            if run <= 0.0:
                run, run_i = float(v), j
            else:
                run += float(v)
            if run > best:
                best, best_i, best_j = run, run_i, j
        return best_i, best_j, float(best)
    best, best_i, best_j = -np.inf, 0, 0
    for length in range(1, max_tokens + 1):
        # each window summed on its own: differences of prefix sums lose small values
        sums = np.lib.stride_tricks.sliding_window_view(values, length).sum(axis=1)
        i = int(np.argmax(sums))
        if sums[i] > best:
            best, best_i, best_j = float(sums[i]), i, i + length - 1
    return best_i, best_j, float(best)


def top_spans(
    rewards: Sequence[float] | np.ndarray,
    offsets: Sequence[tuple[int, int]],
    completion: str,
    k: int = 3,
    *,
    max_tokens: int | None = None,
) -> list[Span]:
    """The ``k`` non-overlapping token spans with the largest positive summed reward.

    ``rewards`` and ``offsets`` are per completion token (``TokenRewards.rewards`` /
    ``.offsets``). Fewer than ``k`` come back when no positive segment is left.

    Example: rewards ``[0.1, 2.0, 1.5, -3.0, 0.4]`` → the first span is tokens 0–2
    (sum 3.6), the second token 4 (0.4).
    """
    if k < 0:
        raise ValueError(f"k must be ≥ 0, got {k}")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be ≥ 1, got {max_tokens}")
    r = np.nan_to_num(np.asarray(rewards, dtype=np.float64), nan=0.0)
    if r.size != len(offsets):
        raise ValueError(f"{r.size} rewards for {len(offsets)} token offsets")
    free = [(0, r.size)] if r.size else []  # half-open token ranges no span covers yet
    out: list[Span] = []
    while len(out) < k and free:
        found = [
            (lo + i, lo + j, total)
            for lo, hi in free
            for i, j, total in [_best_segment(r[lo:hi], max_tokens)]
        ]
        first, last, total = max(found, key=lambda f: f[2])
        if total <= 0.0:
            break
        start, end = offsets[first][0], offsets[last][1]
        out.append(Span(start, end, first, last, total, completion[start:end]))
        free = [
            part
            for lo, hi in free
            for part in ((lo, first), (last + 1, hi))
            if (lo <= first <= last < hi) and part[0] < part[1]
        ] + [(lo, hi) for lo, hi in free if not lo <= first < hi]
        free.sort()
    return out


__all__ = ["Span", "top_spans"]
