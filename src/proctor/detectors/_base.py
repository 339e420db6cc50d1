"""The detector interface, and the `Subject` every detector reads.

A detector looks at one rollout (with its task, grade and GRPO group when
known) and returns one `Verdict`. It declares what it reads; when an input is
missing it returns ``not_applicable`` with the reason, never a clean verdict it
did not earn.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from proctor.detectors._taxonomy import category as _category
from proctor.io import Source, choose_program, program_for, rollout_sources
from proctor.records import DetectorSpec, Evidence, Grade, Rollout, Task, Verdict, VerdictLabel

if TYPE_CHECKING:
    from proctor.detectors._cases import Case
    from proctor.detectors._facts import CodeFacts
    from proctor.detectors._transcript import Segment

Input = Literal[
    "code", "diff", "transcript", "grade", "group", "activations", "task", "sandbox", "model"
]
"""What a detector may read: the program, a workspace diff, the transcript or
reasoning text, the `Grade`, the rollout's GRPO group, model activations, the
`Task` (visible tests, reference), a sandbox to run code in, or a language model to
run (the policy: such a detector is never in the default set)."""


@dataclass(eq=False)
class Subject:
    """One rollout and everything known about it, shared by all detectors.

    Expensive views (the parsed program, the reasoning text, the visible test
    cases) are computed once, on first use, and shared: one AST parse serves
    every static detector.
    """

    rollout: Rollout
    task: Task | None = None
    grade: Grade | None = None
    visible_outputs: list[Any] | None = None
    """Expected outputs of the task's visible io tests, aligned with its inputs
    (computed by the reference in the sandbox); ``None`` when unknown."""
    visible_valid: list[bool] | None = None
    """Which of ``visible_outputs`` are meaningful (the reference ran)."""
    diff: str | None = None
    """A unified diff of a workspace rollout, when there is one."""
    activations: Any = None
    """Model activations for probe detectors, when recorded."""
    group: list[Subject] = field(default_factory=list)
    """Every member of the rollout's GRPO group, this one included (empty when unknown)."""
    notes: dict[str, Any] = field(default_factory=dict)
    """Scratch space where one detector may leave a costly result for another."""

    @property
    def id(self) -> str:
        return self.rollout.id

    @cached_property
    def sources(self) -> list[Source]:
        """Every block, file tag, file and tool call the rollout carries, in order."""
        return rollout_sources(self.rollout)

    @cached_property
    def program_source(self) -> Source | None:
        """The source that gets graded (`proctor.io.choose_program`)."""
        return choose_program(self.sources, self.task.entry_point if self.task else None)

    @cached_property
    def context_sources(self) -> list[Source]:
        """Every source but the graded one: detectors read them as context."""
        chosen = self.program_source
        return [s for s in self.sources if s is not chosen]

    @cached_property
    def program(self) -> str:
        """The program that gets graded (the task prompt is prepended to body-only code
        when the prompt is code)."""
        if self.task is not None:
            return program_for(self.task, self.rollout)
        chosen = self.program_source
        return chosen.text if chosen is not None else ""

    @cached_property
    def facts(self) -> CodeFacts:
        """The program parsed and resolved once (imports, aliases, folded strings)."""
        from proctor.detectors._facts import CodeFacts

        return CodeFacts(self.program)

    @cached_property
    def recovered(self) -> tuple[CodeFacts, str] | None:
        """When the program does not parse: the facts of what could be recovered from
        it (`proctor.detectors._recover`) and how; ``None`` when it parses."""
        if self.facts.tree is not None:
            return None
        from proctor.detectors._facts import CodeFacts
        from proctor.detectors._recover import recover

        text, how = recover(self.program)
        return CodeFacts(text), how

    @cached_property
    def cases(self) -> list[Case]:
        """The visible test cases as (args, expected output when known)."""
        from proctor.detectors._cases import visible_cases

        return visible_cases(self)

    @cached_property
    def reasoning(self) -> list[Segment]:
        """What the policy wrote in words, and the commands it ran.

        The completion outside its code blocks, plus every transcript message's
        text; code is left to the code detectors.
        """
        from proctor.detectors._transcript import reasoning_segments

        return reasoning_segments(self.rollout)


class Detector(abc.ABC):
    """Base class of detectors: implement `_detect`; `detect` adds timing and safety."""

    name: ClassVar[str] = "detector"
    reads: ClassVar[frozenset[Input]] = frozenset()
    spec: DetectorSpec

    def __init__(self) -> None:
        self.spec = DetectorSpec(name=self.name)

    def detect(self, subject: Subject) -> Verdict:
        """The verdict on ``subject``; a detector bug becomes ``not_applicable``, never a crash."""
        started = time.perf_counter()
        try:
            verdict = self._detect(subject)
        except Exception as exc:  # a detector must not take the pipeline down
            verdict = self.not_applicable(subject, f"detector error: {type(exc).__name__}: {exc}")
        verdict.cost_ms = (time.perf_counter() - started) * 1000
        return verdict

    @abc.abstractmethod
    def _detect(self, subject: Subject) -> Verdict:
        """Detector logic."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release resources (sandbox pools, HTTP clients)."""

    # helpers ------------------------------------------------------------------------

    def verdict(
        self,
        subject: Subject,
        label: VerdictLabel,
        category: str | None = None,
        confidence: float = 0.0,
        evidence: list[Evidence] | None = None,
        reason: str | None = None,
        categories: list[str] | None = None,
    ) -> Verdict:
        """Build this detector's verdict; the family follows from the category."""
        family = _category(category).family if category else None
        slug = _category(category).slug if category else None
        return Verdict(
            rollout_id=subject.id,
            detector=self.name,
            spec=self.spec,
            label=label,
            category=slug,
            family=family,
            confidence=max(0.0, min(1.0, confidence)),
            evidence=evidence or [],
            reason=reason,
            categories=categories or ([slug] if slug else []),
        )

    def clean(self, subject: Subject, reason: str | None = None) -> Verdict:
        return self.verdict(subject, "clean", reason=reason)

    def not_applicable(self, subject: Subject, reason: str) -> Verdict:
        return self.verdict(subject, "not_applicable", reason=reason)


__all__ = ["Detector", "Input", "Subject"]
