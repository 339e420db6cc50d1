"""`ScoreTable`: one scorer's scores on a set of candidates, with gold and what is known of each.

Every reader (RewardMATH, ProcessBench, proctor's run store) produces this one shape,
and every part of the card reads only it. Candidates are flat arrays, one entry each;
``groups`` says which problem (prompt, task) a candidate answers, so best-of-n and the
within-problem bias probes know which candidates compete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Kind = Literal["pointwise", "prm", "pairwise"]


@dataclass
class ScoreTable:
    """Scores of one scorer. ``score`` is the one number a ranking uses (for a PRM the
    aggregate named by ``aggregate``); ``steps`` keeps a PRM's per-step scores."""

    scorer: str
    source: str
    """Where the scores came from (``rewardmath``, ``processbench``, ``runstore``)."""
    kind: Kind
    groups: NDArray[np.int64]
    """Problem index of each candidate (0..problems-1)."""
    score: Floats
    """One score per candidate (NaN: no score)."""
    gold: Floats
    """1.0 correct, 0.0 incorrect (or a graded gold in [0, 1])."""
    steps: list[Floats] | None = None
    """Per-step scores of each candidate (PRMs)."""
    first_error: NDArray[np.int64] | None = None
    """Index of the first wrong step, -1 when every step is right (step-labelled data)."""
    numeric: dict[str, Floats] = field(default_factory=dict)
    """Numeric features for the bias probes (``length`` in characters, ``steps``)."""
    categorical: dict[str, NDArray[np.str_]] = field(default_factory=dict)
    """Categorical features (``generator``) for the bias probes."""
    flags: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    """Binary format features (``boxed answer``, ``markdown``) for the bias probes."""
    aggregate: str | None = None
    """How ``score`` was made from ``steps`` (``min``, ``mean``, ...), for PRMs."""
    pairwise_wins: NDArray[np.bool_] | None = None
    """Pairwise judges: ``(problems, comparisons)`` whether the correct solution won."""
    notes: list[str] = field(default_factory=list)
    """What the reader had to drop or assume, shown on the card."""
    problem_keys: list[str] | None = None
    """Problem text (or id) per problem index, to align several scorers' tables."""

    def __post_init__(self) -> None:
        n = self.score.shape[0]
        for name in ("groups", "gold"):
            if getattr(self, name).shape[0] != n:
                raise ValueError(
                    f"{self.scorer}: {name} has {getattr(self, name).shape[0]} "
                    f"entries for {n} scores"
                )

    @property
    def problems(self) -> int:
        """Number of distinct problems."""
        return int(self.groups.max()) + 1 if self.groups.size else 0

    def __len__(self) -> int:
        return int(self.score.shape[0])


__all__ = ["Floats", "Kind", "ScoreTable"]
