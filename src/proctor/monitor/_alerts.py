"""Alerts: a record with its evidence, and the life cycle that fires each one once.

An alert fires on the step its condition first holds, stays open while the
condition holds, and clears after the condition has been false ``clear_steps``
steps in a row; only a cleared alert fires again. Only oracle-adjacent signals may
reach severity ``hack``: the record refuses anything else.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from proctor.monitor._config import Severity
from proctor.monitor._signals import SignalKind


class ExampleRollout(BaseModel):
    """A rollout shown as evidence, with what the detectors said about it."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    rollout_id: str
    """The rollout."""
    step: int
    """Its training step."""
    task_id: str
    """Its task."""
    label: str | None = None
    """The ensemble's label, when judged."""
    category: str | None = None
    """The hack category, when labelled hack or unsure."""
    confidence: float | None = None
    """The ensemble's confidence."""
    proxy: float | None = None
    """Its training reward (or grader proxy)."""
    gold: float | None = None
    """Its held-out score."""
    evidence: list[str] = Field(default_factory=list)
    """The verdict's evidence, one line each, most telling first."""
    code: str = ""
    """The start of its program (capped), for a human to read."""


class AlertEvidence(BaseModel):
    """What made the alert fire."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    steps: list[int] = Field(default_factory=list)
    """The steps that met the condition (up to the firing step)."""
    values: list[float | None] = Field(default_factory=list)
    """The signal's value at those steps."""
    detail: str = ""
    """One line for a human: the rule and the numbers."""
    examples: list[ExampleRollout] = Field(default_factory=list)
    """Example rollouts from the firing steps."""


class Alert(BaseModel):
    """One alert raised on a run."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    kind: str
    """The rule that fired: ``hack_rate``, ``gold_falls_proxy_rises``, ``gap_change``,
    ``forecast``, ``behaviour_change``, ``zero_variance``, ``batch_hacks``, ``batch_unsure``;
    the model-internal ``probe_rate`` and ``probe_forecast``."""
    signal: str
    """The signal it watched (``hack_rate``, ``gap``, ``kl``...)."""
    signal_kind: SignalKind
    """The signal's kind: only ``oracle`` may be ``hack``; ``internal`` is model-internal
    (a probe on the policy's activations)."""
    severity: Severity
    """``info``, ``warning`` or ``hack``."""
    first_step: int
    """The step it fired at: the first step a live monitor could have raised it."""
    last_step: int
    """The last step its condition held."""
    cleared_step: int | None = None
    """The step it cleared at; None while still open at the end of the data."""
    onset_step: int | None = None
    """The rule's estimate of where the change began (at or before ``first_step``)."""
    message: str = ""
    """One line for a human."""
    action: str = ""
    """What to do about it."""
    evidence: AlertEvidence = Field(default_factory=AlertEvidence)
    """What made it fire."""

    @model_validator(mode="after")
    def _only_oracle_convicts(self) -> Alert:
        if self.severity == "hack" and self.signal_kind != "oracle":
            raise ValueError(
                f"a {self.signal_kind} signal ({self.signal}) cannot raise a hack "
                "alert: only oracle-adjacent signals convict"
            )
        return self

    def summary(self) -> dict[str, Any]:
        """The fields ``summary.json`` lists per alert."""
        return self.model_dump(
            include={
                "kind",
                "signal",
                "signal_kind",
                "severity",
                "first_step",
                "last_step",
                "cleared_step",
                "onset_step",
                "message",
            }
        )


def cap_severity(severity: Severity, kind: SignalKind) -> Severity:
    """Behavioural and geometry signals warn or escalate; they never convict."""
    return "warning" if severity == "hack" and kind != "oracle" else severity


def episodes(active: np.ndarray, clear_steps: int) -> list[tuple[int, int, int | None]]:
    """Fire-once episodes of a per-step condition: ``(fired, last_true, cleared or None)`` indices.

    An episode opens at the first true index while closed, and closes at the index where
    the condition has been false ``clear_steps`` times in a row. A true value inside an
    open episode extends it; it never fires a second alert.
    """
    out: list[tuple[int, int, int | None]] = []
    fired: int | None = None
    last = quiet = 0
    for i, on in enumerate(np.asarray(active, dtype=bool)):
        if fired is None:
            if on:
                fired, last, quiet = i, i, 0
            continue
        if on:
            last, quiet = i, 0
        else:
            quiet += 1
            if quiet >= clear_steps:
                out.append((fired, last, i))
                fired = None
    if fired is not None:
        out.append((fired, last, None))
    return out


__all__ = ["Alert", "AlertEvidence", "ExampleRollout", "cap_severity", "episodes"]
