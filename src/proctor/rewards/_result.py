"""The `RewardResult` record: the reward handed to the trainer and the signals kept from it."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RewardStatus = Literal["ok", "infra_error", "not_applicable"]
"""``ok``: the grader judged the code; ``infra_error``: the grader itself failed, so
there is no reward (never a silent 0); ``not_applicable``: the sample is not one this
reward scores (unknown task id, no answer to compare)."""


class RewardResult(BaseModel):
    """One scored sample: ``reward`` reaches the gradient, everything else is monitor-only."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    rollout_id: str
    """Id of the rollout recorded for the monitor."""
    task_id: str | None = None
    """The task (or reference answer id) the sample was scored against."""
    reward: float | None = None
    """What the trainer gets: the proxy reward after the optional gate; ``None`` when
    there is no reward (see ``status``)."""
    status: RewardStatus = "ok"
    """Why ``reward`` is or is not a number (see `RewardStatus`)."""
    raw_reward: float | None = None
    """The reward before the gate (equal to ``reward`` when no gate is set)."""
    proxy: float | None = Field(default=None, ge=0.0, le=1.0)
    """Fraction of visible tests passed (the signal the reward is built from)."""
    gold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Fraction of held-out tests passed. Monitor-only: never part of ``reward``."""
    verdict: Literal["hack", "clean", "unsure", "not_applicable"] | None = None
    """The detector ensemble's label, when detection is on. Monitor-only unless a gate is set."""
    category: str | None = None
    """Hack category of the verdict (``early_exit``, ``special_casing``...)."""
    hack_probability: float | None = Field(default=None, ge=0.0, le=1.0)
    """The ensemble's confidence that the sample is a hack (0 for ``clean``)."""
    gated: bool = False
    """The gate lowered this reward."""
    error: str | None = None
    """What went wrong (infra error, unknown task, program that failed to load)."""

    @property
    def gap(self) -> float | None:
        """Proxy minus gold: reward the held-out tests do not confirm."""
        if self.proxy is None or self.gold is None:
            return None
        return self.proxy - self.gold

    def signals(self) -> dict[str, float]:
        """Monitor-only numbers for loggers: finite floats only, absent when unknown."""
        values: dict[str, float | None] = {
            "proxy": self.proxy,
            "gold": self.gold,
            "gap": self.gap,
            "hack": None if self.verdict is None else float(self.verdict == "hack"),
            "hack_probability": self.hack_probability,
            "gated": float(self.gated),
            "infra_error": float(self.status == "infra_error"),
        }
        return {k: v for k, v in values.items() if v is not None and math.isfinite(v)}


__all__ = ["RewardResult", "RewardStatus"]
