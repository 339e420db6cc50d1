"""Run detectors over many rollouts: build the subjects once, group them, combine the verdicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.detectors._base import Detector, Subject
from proctor.detectors._ensemble import Ensemble
from proctor.detectors._registry import create_detector, default_detectors, registered
from proctor.detectors._workspace_code import workspace_diff
from proctor.records import FORMAT_VERSION, Grade, Rollout, Task, Verdict
from proctor.sandbox import InfraError, Limits, SandboxPool

GROUP_DETECTORS = frozenset({"group", "llm_judge"})
"""Detectors that read the rollout's peers: they run after the others."""
CONCLUSIVE = 0.9
"""A cheap detector's ``hack`` at this confidence settles the rollout: the detectors
that run code in the sandbox are skipped (their verdict could not change the
ensemble's ``hack``; it would only cost a sandbox call)."""


def detect_all(
    detectors: Sequence[Detector], subject: Subject, conclusive_at: float | None = CONCLUSIVE
) -> list[Verdict]:
    """Every detector's verdict on ``subject``, in ``detectors`` order. The ones that
    need no sandbox run first; when one of them says ``hack`` with confidence ≥
    ``conclusive_at`` the sandbox ones say ``not_applicable`` (skipped) instead of
    running. ``conclusive_at=None`` runs everything."""
    cheap = [d for d in detectors if "sandbox" not in d.reads]
    costly = [d for d in detectors if "sandbox" in d.reads]
    verdicts = {id(d): d.detect(subject) for d in cheap}
    settled = next(
        (
            v
            for v in verdicts.values()
            if conclusive_at is not None and v.label == "hack" and v.confidence >= conclusive_at
        ),
        None,
    )
    for d in costly:
        if settled is not None:
            verdicts[id(d)] = d.not_applicable(
                subject,
                f"skipped: {settled.detector} is already conclusive "
                f"({settled.category}, {settled.confidence:.2f})",
            )
        else:
            verdicts[id(d)] = d.detect(subject)
    return [verdicts[id(d)] for d in detectors]


@dataclass
class Detection:
    """Everything the detectors said about one rollout."""

    rollout_id: str
    verdict: Verdict
    """The ensemble's combined verdict."""
    verdicts: list[Verdict]
    """Each detector's own verdict."""

    def record(self, all_verdicts: bool = False) -> dict[str, Any]:
        """The JSON line `proctor detect` writes."""
        v = self.verdict
        row: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "rollout_id": self.rollout_id,
            "label": v.label if v.label != "not_applicable" else "unsure",
            "category": v.category,
            "family": v.family,
            "categories": v.categories,
            "confidence": round(v.confidence, 4),
            "evidence": [e.model_dump(exclude_none=True) for e in v.evidence],
            "detectors": {d.detector: d.label for d in self.verdicts},
        }
        if all_verdicts:
            row["verdicts"] = [d.model_dump(mode="json", exclude_none=True) for d in self.verdicts]
        return row


class DetectionPipeline:
    """Detectors by name, one sandbox pool shared by those that need one, and the ensemble."""

    def __init__(
        self,
        detectors: Sequence[str] | None = None,
        pool: SandboxPool | None = None,
        sandbox: bool = True,
        workers: int = 1,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        cache_dir: Path | None = None,
        conclusive_at: float | None = CONCLUSIVE,
    ) -> None:
        names = list(detectors) if detectors is not None else default_detectors()
        self.conclusive_at = conclusive_at
        self._own_pool = False
        needs_pool = sandbox and any("sandbox" in registered(n).reads for n in names)
        if pool is None and needs_pool:
            try:
                pool = SandboxPool(workers=max(1, workers), limits=Limits(test=2.0, wall=20.0))
                self._own_pool = True
            except InfraError:
                pool = None  # the detectors that need it will say "not applicable"
        self.pool = pool if sandbox else None
        self.workers = max(1, workers)
        self.detectors: list[Detector] = []
        for name in names:
            opts = dict((options or {}).get(name, {}))
            if "sandbox" in registered(name).reads:
                if self.pool is None:
                    continue
                opts.setdefault("pool", self.pool)
                if cache_dir is not None:
                    opts.setdefault("cache_dir", str(cache_dir))
            self.detectors.append(create_detector(name, **opts))
        self.ensemble: Ensemble = create_detector(  # type: ignore[assignment]
            "ensemble", **dict((options or {}).get("ensemble", {}))
        )
        self._expected_cache: dict[str, tuple[list[Any], list[bool]] | None] = {}
        self._cache_dir = cache_dir

    def close(self) -> None:
        for detector in self.detectors:
            detector.close()
        if self._own_pool and self.pool is not None:
            self.pool.close()

    def __enter__(self) -> DetectionPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subjects(
        self,
        tasks: Mapping[str, Task],
        rollouts: Iterable[Rollout],
        grades: Mapping[str, Grade] | None = None,
        groups: bool = True,
    ) -> list[Subject]:
        """One `Subject` per rollout, with visible expected outputs and GRPO groups filled in."""
        out = []
        for rollout in rollouts:
            task = tasks.get(rollout.task_id)
            subject = Subject(
                rollout=rollout,
                task=task,
                grade=(grades or {}).get(rollout.id),
                diff=workspace_diff(rollout),
            )
            if task is not None:
                known = self._visible_outputs(task)
                if known is not None:
                    subject.visible_outputs, subject.visible_valid = known
            out.append(subject)
        if groups:
            by_group: dict[str, list[Subject]] = {}
            for s in out:
                if s.rollout.group:
                    by_group.setdefault(s.rollout.group, []).append(s)
            for members in by_group.values():
                for s in members:
                    s.group = members
        return out

    def _visible_outputs(self, task: Task) -> tuple[list[Any], list[bool]] | None:
        if task.id in self._expected_cache:
            return self._expected_cache[task.id]
        result: tuple[list[Any], list[bool]] | None = None
        suite = task.visible
        if suite.kind == "io" and suite.outputs is not None:
            result = (list(suite.outputs), [True] * len(suite.outputs))
        elif suite.kind == "io" and self.pool is not None and task.reference:
            from proctor.graders import ExpectedOutputs

            try:
                expected = ExpectedOutputs(self.pool, self._cache_dir).get(task, suite)
                result = (expected.values, expected.valid)
            except (InfraError, ValueError):
                result = None
        self._expected_cache[task.id] = result
        return result

    def run(
        self,
        subjects: list[Subject],
        on_done: Callable[[Detection], None] | None = None,
    ) -> list[Detection]:
        """Every detector on every subject; group detectors last; then the ensemble."""
        solo = [d for d in self.detectors if d.name not in GROUP_DETECTORS]
        grouped = [d for d in self.detectors if d.name in GROUP_DETECTORS]

        def first_pass(subject: Subject) -> list[Verdict]:
            return detect_all(solo, subject, self.conclusive_at)

        with ThreadPoolExecutor(max_workers=self.workers) as executor:
            verdicts = list(executor.map(first_pass, subjects))
        detections = []
        for subject, own in zip(subjects, verdicts, strict=True):
            own = own + [d.detect(subject) for d in grouped]
            detection = Detection(subject.id, self.ensemble.combine(subject, own), own)
            if on_done is not None:
                on_done(detection)
            detections.append(detection)
        return detections


__all__ = ["CONCLUSIVE", "GROUP_DETECTORS", "Detection", "DetectionPipeline", "detect_all"]
