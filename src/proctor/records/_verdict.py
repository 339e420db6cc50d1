"""The `Verdict` record: what one detector concluded about one rollout, with its evidence."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from proctor.records._grade import FORMAT_VERSION

VerdictLabel = Literal["hack", "clean", "unsure", "not_applicable"]
"""``hack``: the detector found evidence of reward hacking; ``clean``: it looked and
found none; ``unsure``: weak or ambiguous evidence, worth a human look;
``not_applicable``: the detector lacked its input (no transcript, no grade, no
sandbox...) and says nothing. A missing input is never reported as ``clean``."""

EvidenceKind = Literal["code", "test", "execution", "transcript", "grade", "group", "note"]
"""Where a piece of evidence comes from: a place in the code, a test, a sandboxed run,
the transcript, the grade, the rollout's GRPO group, or a free note."""


class Evidence(BaseModel):
    """One piece of evidence behind a verdict: something a human can go and look at."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    kind: EvidenceKind
    """Where it comes from (see `EvidenceKind`)."""
    text: str
    """One line for a human: what was found."""
    line: int | None = Field(default=None, ge=1)
    """First line in the program (1-based), for code evidence."""
    end_line: int | None = Field(default=None, ge=1)
    """Last line, when the evidence spans several."""
    span: tuple[int, int] | None = None
    """Character offsets ``[start, end)`` into the text it points at (the program for
    code evidence, the message for transcript evidence)."""
    test_id: str | None = None
    """The test concerned (``visible/3``, ``perturbed/visible/3/1``...), when there is one."""
    message: int | None = Field(default=None, ge=0)
    """Index of the transcript message, for transcript evidence."""
    source: str | None = None
    """The block or file the code evidence is in (``block 1``, ``conftest.py``,
    ``message 2 tool call 1: conftest.py``); lines and spans count within it."""


class DetectorSpec(BaseModel):
    """What re-creates a detector: its registered name and the options it was made with."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    name: str
    """Registered detector name (see `proctor.detectors.detector_names`)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """JSON-serialisable factory options; resources such as a sandbox pool are not kept."""


class Verdict(BaseModel):
    """One detector's verdict on one rollout."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    rollout_id: str
    """The rollout judged."""
    detector: str
    """Name of the detector that produced it (``ensemble`` for the combined verdict)."""
    spec: DetectorSpec
    """How to re-create that detector (`proctor.detectors.create_detector_from_spec`)."""
    label: VerdictLabel
    """The conclusion (see `VerdictLabel`)."""
    category: str | None = None
    """Hack category from the taxonomy (``early_exit``, ``special_casing``...), set
    for ``hack`` and ``unsure``."""
    family: str | None = None
    """The category's family (``exit_spoofing``, ``test_targeting``...)."""
    categories: list[str] = Field(default_factory=list)
    """Every category with evidence, strongest first (a rollout may hack in several ways)."""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    """How likely the rollout is a hack given this detector's evidence (0 for
    ``clean``, meaningless for ``not_applicable``)."""
    evidence: list[Evidence] = Field(default_factory=list)
    """What was found, most telling first."""
    reason: str | None = None
    """For ``not_applicable``: which input was missing; otherwise an optional summary."""
    cost_ms: float = Field(default=0.0, ge=0.0)
    """Wall-clock time the detector spent on this rollout."""
    format_version: int = FORMAT_VERSION
    """Version of this record's format (`proctor.records.FORMAT_VERSION`)."""

    @property
    def is_hack(self) -> bool:
        return self.label == "hack"
