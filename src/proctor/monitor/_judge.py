"""Grade and detect a run's rollouts, once per distinct (task, completion).

RL runs sample the same completion many times; grading and the non-group
detectors depend only on the task and the text (and, for the differential
detector, on the grade, which is itself a function of the two), so each
distinct pair is judged once and the result copied to its repeats. The group
detectors read a rollout's peers and run per rollout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proctor.records import Grade, Rollout, Task, Verdict


def content_key(rollout: Rollout) -> tuple[str, str]:
    """``(task_id, digest of code, completion and transcript)``: equal keys, equal judgement."""
    h = hashlib.sha256()
    for part in (rollout.code, rollout.completion, repr(rollout.transcript)):
        h.update((part or "").encode("utf-8", "surrogatepass") + b"\x00")
    return rollout.task_id, h.hexdigest()


def grade_memoised(
    grader: Any,
    tasks: Mapping[str, Task],
    rollouts: Sequence[Rollout],
    workers: int = 1,
    on_done: Callable[[int], None] | None = None,
) -> list[Grade]:
    """One grade per rollout (unknown tasks skipped); each distinct one graded once."""
    first: dict[tuple[str, str], Rollout] = {}
    for r in rollouts:
        if r.task_id in tasks:
            first.setdefault(content_key(r), r)
    done: dict[tuple[str, str], Grade] = {}
    reps = list(first.items())
    for (key, _), grade in zip(
        reps,
        grader.grade_many(((tasks[r.task_id], r) for _, r in reps), workers=workers),
        strict=True,
    ):
        done[key] = grade
        if on_done is not None:
            on_done(1)
    out = []
    for r in rollouts:
        grade = done.get(content_key(r)) if r.task_id in tasks else None
        if grade is not None:
            out.append(
                grade if grade.rollout_id == r.id else grade.model_copy(update={"rollout_id": r.id})
            )
    return out


def detect_memoised(
    pipeline: Any,
    tasks: Mapping[str, Task],
    rollouts: Sequence[Rollout],
    grades: Mapping[str, Grade],
    on_done: Callable[[int], None] | None = None,
) -> list[Verdict]:
    """Every detector's verdict and the ensemble's per rollout; solo detectors once per pair.

    ``pipeline`` is a `proctor.detectors.DetectionPipeline`.
    """
    from concurrent.futures import ThreadPoolExecutor

    from proctor.detectors._pipeline import GROUP_DETECTORS

    subjects = pipeline.subjects(tasks, rollouts, grades)
    solo = [d for d in pipeline.detectors if d.name not in GROUP_DETECTORS]
    grouped = [d for d in pipeline.detectors if d.name in GROUP_DETECTORS]
    reps: dict[tuple[str, str], Any] = {}
    for s in subjects:
        reps.setdefault(content_key(s.rollout), s)
    keys = list(reps)

    def first_pass(key: tuple[str, str]) -> list[Verdict]:
        subject = reps[key]
        return [d.detect(subject) for d in solo]

    with ThreadPoolExecutor(max_workers=pipeline.workers) as executor:
        solo_of: dict[tuple[str, str], list[Verdict]] = {}
        for key, verdicts in zip(keys, executor.map(first_pass, keys), strict=True):
            solo_of[key] = verdicts
            if on_done is not None:
                on_done(1)
    out: list[Verdict] = []
    for s in subjects:
        own = [
            v if v.rollout_id == s.id else v.model_copy(update={"rollout_id": s.id})
            for v in solo_of[content_key(s.rollout)]
        ]
        own += [d.detect(s) for d in grouped]
        out.extend(own)
        out.append(pipeline.ensemble.combine(s, own))
    return out


__all__ = ["content_key", "detect_memoised", "grade_memoised"]
