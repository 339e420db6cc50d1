"""The auditor gate: withhold reward by an auditor's (or activation probe's) hack score.

`auditor_gate` is a batch transform like the others (rewards first, same order, NaN
passes through), over scores an auditor already gave. `AuditorGate` wraps any reward
function in TRL's signature (``f(prompts, completions, **kwargs) -> list[float | None]``)
and asks a `Scorer` for the scores of the same batch, so the gate sits between the
trainer and the reward: ``GRPOTrainer(reward_funcs=[AuditorGate(reward, probe)])``.

A `Scorer` is any callable ``scorer(prompts, completions) -> sequence of float in [0,1]``
(1: certainly a hack). A linear probe on the policy's activations, an LLM judge or a
detector ensemble's calibrated probability all fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from proctor.transforms._arrays import Floats, as_rewards, same_length

GateMode = Literal["hard", "soft", "observe"]
"""``hard``: reward → floor once the score reaches the threshold; ``soft``: reward moved
toward the floor in proportion to the score; ``observe``: reward unchanged, the scores
only recorded (shadow mode: watch what a gate would do before letting it decide)."""


@runtime_checkable
class Scorer(Protocol):
    """An auditor: one hack score in ``[0, 1]`` per (prompt, completion); NaN = no score."""

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any]) -> Sequence[float]: ...


def _scores(scores: ArrayLike, n: int) -> Floats:
    s = same_length("scores", scores, n)
    if s.ndim != 1:
        raise ValueError(f"scores must be 1-D (one per reward), got shape {s.shape}")
    # no score is no evidence of a hack: gate nothing rather than everything
    s = np.where(np.isnan(s), 0.0, s)
    if ((s < 0) | (s > 1)).any():
        bad = float(s[(s < 0) | (s > 1)][0])
        raise ValueError(
            f"auditor scores must lie in [0, 1], got {bad:g}; calibrate the auditor "
            "(a probability of hacking) or squash it, e.g. with a sigmoid"
        )
    return s


def auditor_gate(
    rewards: ArrayLike,
    scores: ArrayLike,
    *,
    mode: GateMode = "hard",
    threshold: float = 0.5,
    floor: float = 0.0,
) -> Floats:
    """Gate or discount each reward by its auditor score ``s`` in ``[0, 1]``.

    - ``hard``: ``r' = floor if s >= threshold else r``;
    - ``soft``: ``r' = floor + (r − floor) · (1 − s)``: linear in the score, ``r`` at
      ``s = 0`` and ``floor`` at ``s = 1``. With ``floor = 0`` this is ``r · (1 − s)``;
      a floor below every reward (e.g. the reward of a failed attempt, −1) keeps a
      negative reward from being *raised* by the discount;
    - ``observe``: ``r' = r`` (the scores are only recorded).

    NaN rewards (no reward) stay NaN; a NaN score (the auditor did not look) gates
    nothing. With the floor at the reward of a failed attempt, a hack the auditor sees
    earns what failing earns, so it never out-earns an honest wrong answer.

    Source: the gate of Adversarial Reward Auditing (an auditor reading the policy's
    latent representations decides whether the policy is paid; 2025).

    Example: ``auditor_gate([1.0, 1.0], [0.9, 0.1])`` → ``[0.0, 1.0]``;
    ``auditor_gate([1.0, 1.0], [0.9, 0.1], mode="soft")`` → ``[0.1, 0.9]``.
    """
    if mode not in ("hard", "soft", "observe"):
        raise ValueError(f"mode must be 'hard', 'soft' or 'observe', got {mode!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold:g}")
    if not math.isfinite(floor):
        raise ValueError("floor must be a finite number")
    r = as_rewards(rewards)
    s = _scores(scores, r.shape[0])
    if mode == "hard":
        return np.where((s >= threshold) & ~np.isnan(r), floor, r)
    if mode == "observe":
        return r.copy()
    return floor + (r - floor) * (1.0 - s)


def _text(item: Any) -> Any:
    """A chat completion (a list of ``{role, content}``) as its last message's text."""
    if isinstance(item, list) and item and isinstance(item[-1], dict):
        return item[-1].get("content", "")
    return item


class AuditorGate:
    """A reward function in TRL's signature, gated by an auditor's scores.

    ``AuditorGate(reward_func, scorer)(prompts=..., completions=..., **kwargs)`` calls
    ``reward_func`` with everything it was given, asks ``scorer(prompts, completions)``
    (chat messages reduced to their text) for one score per sample, and returns
    `auditor_gate` of the two as a list (``None`` where the wrapped function gave
    ``None``). Gates nest: ``AuditorGate(AuditorGate(f, probe), judge)`` applies both.
    The auditor's scores are kept in ``last_scores`` and, when the trainer passes
    ``log_extra`` (TRL), logged as the completions-table column ``log_column``
    (``proctor_*`` columns are monitor-only, never a reward). For a probe on the
    policy's activations pass ``log_column="proctor_probe_score"``: the run monitor
    reads that column as its model-internal signal (docs/monitor.md).
    """

    def __init__(
        self,
        reward_func: Callable[..., Sequence[float | None]],
        scorer: Scorer,
        *,
        mode: GateMode = "hard",
        threshold: float = 0.5,
        floor: float = 0.0,
        name: str | None = None,
        log_column: str | None = "proctor_auditor_score",
    ) -> None:
        if not callable(reward_func) or not callable(scorer):
            raise TypeError("AuditorGate needs a reward function and a scorer, both callable")
        auditor_gate([0.0], [0.0], mode=mode, threshold=threshold, floor=floor)  # check options
        self.reward_func = reward_func
        self.scorer = scorer
        self.mode: GateMode = mode
        self.threshold = threshold
        self.floor = floor
        inner = getattr(reward_func, "__name__", type(reward_func).__name__)
        # TRL names the reward's column and metrics after ``__name__``; an observing
        # gate pays what the wrapped function pays, so it keeps that function's name
        self.__name__ = name or (inner if mode == "observe" else f"{inner}_audited")
        self.log_column = log_column
        self.last_scores: list[float] = []

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        raw = list(self.reward_func(prompts=prompts, completions=completions, **kwargs))
        if len(raw) != len(completions):
            raise ValueError(
                f"the wrapped reward function returned {len(raw)} rewards "
                f"for {len(completions)} completions"
            )
        got = self.scorer([_text(p) for p in prompts], [_text(c) for c in completions])
        scores = np.asarray(list(got), dtype=np.float64)
        if scores.shape != (len(completions),):
            raise ValueError(
                f"the scorer returned {scores.size} scores for {len(completions)} "
                "completions; it must give one float in [0, 1] per completion"
            )
        self.last_scores = [float(x) for x in scores]
        log_extra = kwargs.get("log_extra")
        if callable(log_extra) and self.log_column:
            log_extra(self.log_column, self.last_scores)
        r = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
        gated = auditor_gate(r, scores, mode=self.mode, threshold=self.threshold, floor=self.floor)
        return [None if math.isnan(v) else float(v) for v in gated]


__all__ = ["AuditorGate", "GateMode", "Scorer", "auditor_gate"]
