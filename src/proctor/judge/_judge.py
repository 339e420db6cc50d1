"""`Judge`: grade and detect rollouts, each distinct (task, completion) once, on one pool.

RL runs sample the same completion many times; grading and the non-group detectors
depend only on the task and the text (and, for the differential detector, on the
grade), so each distinct pair is judged once and the result copied to its repeats.
The group detectors read a rollout's peers and run per rollout. Every caller that
grades and detects a batch (``proctor scan`` and ``detect``, `CodeReward`, the
monitor's ``--detect``, the benchmarks) goes through this class.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from proctor.records import Grade, Rollout, Task, Verdict

if TYPE_CHECKING:
    from proctor.detectors import Detection, DetectionPipeline, Subject
    from proctor.graders import Grader
    from proctor.runs import RunStore

Key = tuple[str, str]


def content_key(rollout: Rollout) -> Key:
    """``(task_id, digest of everything the graders and detectors read)``: the code, the
    completion, the prompt, the transcript, the files and the chat messages. Equal keys,
    equal judgement: a field left out here would hand one rollout another's grade."""
    h = hashlib.sha256()
    structured = (rollout.transcript, rollout.files, rollout.messages)
    for part in (
        rollout.code,
        rollout.completion,
        rollout.prompt,
        json.dumps(structured, sort_keys=True, default=repr),
    ):
        h.update((part or "").encode("utf-8", "surrogatepass") + b"\x00")
    return rollout.task_id, h.hexdigest()


def _detect_key(rollout: Rollout, grade: Grade | None) -> tuple[Key, Any]:
    # the differential detector reads the grade: two copies graded apart (an infra
    # error on one) are detected apart
    sig = None if grade is None else (grade.status, grade.proxy, grade.gold)
    return content_key(rollout), sig


@dataclass
class Judged:
    """One rollout's judgement: its grade and what the detectors said."""

    rollout: Rollout
    grade: Grade | None
    """``None`` when the rollout's task is unknown or it was not graded."""
    verdict: Verdict | None = None
    """The ensemble's combined verdict (``None`` without detection)."""
    verdicts: list[Verdict] = field(default_factory=list)
    """Each detector's own verdict."""


class Judge:
    """One grader, the detectors, one sandbox pool shared by both; each distinct item once.

    ``grader`` is any `proctor.graders.Grader` (``None``: detection only, on grades
    given by the caller). The detection pipeline reuses the grader's sandbox pool
    when it has one (the hardened grader), so a judge runs one pool. ``detectors``
    are detector names (``None``: the default set; ``[]``: no detection). ``store``
    receives every judged rollout, grade and verdict.

    Example::

        with Judge(HardenedGrader(workers=2), workers=2) as judge:
            for judged in judge.judge(tasks, rollouts):
                print(judged.rollout.id, judged.grade.proxy, judged.verdict.label)
    """

    def __init__(
        self,
        grader: Grader | None = None,
        *,
        detectors: Sequence[str] | None = None,
        workers: int = 1,
        sandbox: bool = True,
        detector_options: Mapping[str, Mapping[str, Any]] | None = None,
        cache_dir: Path | None = None,
        store: RunStore | None = None,
    ) -> None:
        self.grader = grader
        self.detector_names = list(detectors) if detectors is not None else None
        self.workers = max(1, workers)
        self.sandbox = sandbox
        self.detector_options = detector_options
        self.cache_dir = cache_dir
        self.store = store
        self._pipeline: DetectionPipeline | None = None
        self._lock = threading.Lock()

    @property
    def pipeline(self) -> DetectionPipeline:
        """The detection pipeline (started on first use, on the grader's pool if it has one)."""
        with self._lock:  # a reward server scores batches from several threads
            if self._pipeline is None:
                from proctor.detectors import DetectionPipeline

                self._pipeline = DetectionPipeline(
                    self.detector_names,
                    pool=getattr(self.grader, "pool", None),
                    sandbox=self.sandbox,
                    workers=self.workers,
                    options=self.detector_options,
                    cache_dir=self.cache_dir,
                )
        return self._pipeline

    def distinct(self, rollouts: Sequence[Rollout]) -> int:
        """How many distinct (task, completion) pairs ``rollouts`` hold."""
        return len({content_key(r) for r in rollouts})

    # -- grading -------------------------------------------------------------

    def grade(
        self,
        tasks: Mapping[str, Task],
        rollouts: Sequence[Rollout],
        on_done: Callable[[Grade], None] | None = None,
    ) -> list[Grade]:
        """One grade per rollout of a known task, in order; each distinct one graded once.

        ``on_done`` is called once per distinct grade, as grading advances.
        """
        if self.grader is None:
            raise ValueError("this judge has no grader: give grades to detect()")
        first: dict[Key, Rollout] = {}
        for r in rollouts:
            if r.task_id in tasks:
                first.setdefault(content_key(r), r)
        reps = list(first.items())
        done: dict[Key, Grade] = {}
        graded = self.grader.grade_many(
            ((tasks[r.task_id], r) for _, r in reps), workers=self.workers
        )
        for (key, _), fresh in zip(reps, graded, strict=True):
            done[key] = fresh
            if on_done is not None:
                on_done(fresh)
        out = []
        for r in rollouts:
            grade = done.get(content_key(r)) if r.task_id in tasks else None
            if grade is not None:
                out.append(
                    grade
                    if grade.rollout_id == r.id
                    else grade.model_copy(update={"rollout_id": r.id})
                )
        return out

    def iter_grades(
        self, tasks: Mapping[str, Task], rollouts: Sequence[Rollout]
    ) -> Iterator[Grade]:
        """`grade` as a stream: one grade per rollout of a known task, in rollout order,
        each yielded as soon as its completion is graded (each distinct one once), so a
        caller can write every grade the moment it exists (``proctor grade --resume``)."""
        if self.grader is None:
            raise ValueError("this judge has no grader: give grades to detect()")
        known = [r for r in rollouts if r.task_id in tasks]
        first: dict[Key, Rollout] = {}
        for r in known:
            first.setdefault(content_key(r), r)
        reps = list(first.items())
        graded = self.grader.grade_many(
            ((tasks[r.task_id], r) for _, r in reps), workers=self.workers
        )
        done: dict[Key, Grade] = {}
        position = 0
        # grade_many yields in input order and a rollout's key is first seen at or before
        # it, so each rollout is ready by the time the grades reach its first occurrence
        for (key, _), fresh in zip(reps, graded, strict=True):
            done[key] = fresh
            while position < len(known) and content_key(known[position]) in done:
                r = known[position]
                grade = done[content_key(r)]
                yield (
                    grade
                    if grade.rollout_id == r.id
                    else grade.model_copy(update={"rollout_id": r.id})
                )
                position += 1

    # -- detection -----------------------------------------------------------

    def subjects(
        self,
        tasks: Mapping[str, Task],
        rollouts: Sequence[Rollout],
        grades: Mapping[str, Grade] | None = None,
        groups: bool = True,
    ) -> list[Subject]:
        """What the detectors read about each rollout (see `DetectionPipeline.subjects`)."""
        return self.pipeline.subjects(tasks, rollouts, grades, groups=groups)

    def detect(
        self,
        tasks: Mapping[str, Task],
        rollouts: Sequence[Rollout],
        grades: Mapping[str, Grade] | None = None,
        on_done: Callable[[int], None] | None = None,
        groups: bool = True,
        subjects: list[Subject] | None = None,
    ) -> list[Detection]:
        """Every detector's verdict and the ensemble's, one `Detection` per rollout in order.

        The detectors that do not read a rollout's group run once per distinct
        (task, completion, grade); ``on_done(1)`` is called after each. ``groups=False``
        judges each rollout alone (no GRPO group for the group detectors). ``subjects``
        (from `subjects`, one per rollout) are used as they are, so a caller can reuse them.
        """
        from proctor.detectors import GROUP_DETECTORS, Detection, detect_all

        pipeline = self.pipeline
        grades = grades or {}
        if subjects is None:
            subjects = pipeline.subjects(tasks, rollouts, grades, groups=groups)
        solo = [d for d in pipeline.detectors if d.name not in GROUP_DETECTORS]
        grouped = [d for d in pipeline.detectors if d.name in GROUP_DETECTORS]
        reps: dict[tuple[Key, Any], Subject] = {}
        for s in subjects:
            reps.setdefault(_detect_key(s.rollout, grades.get(s.id)), s)
        keys = list(reps)

        def first_pass(key: tuple[Key, Any]) -> list[Verdict]:
            return detect_all(solo, reps[key], pipeline.conclusive_at)

        solo_of: dict[tuple[Key, Any], list[Verdict]] = {}
        with ThreadPoolExecutor(max_workers=pipeline.workers) as executor:
            for key, verdicts in zip(keys, executor.map(first_pass, keys), strict=True):
                solo_of[key] = verdicts
                if on_done is not None:
                    on_done(1)
        out = []
        for s in subjects:
            rep = reps[_detect_key(s.rollout, grades.get(s.id))]
            if rep is not s:
                # what the detectors noted on the representative (e.g. the differential
                # detector's nudged pass rate, read by the group detector) holds for its copies
                for note, value in rep.notes.items():
                    s.notes.setdefault(note, value)
            own = [
                v if v.rollout_id == s.id else v.model_copy(update={"rollout_id": s.id})
                for v in solo_of[_detect_key(s.rollout, grades.get(s.id))]
            ]
            own += [d.detect(s) for d in grouped]
            out.append(Detection(s.id, pipeline.ensemble.combine(s, own), own))
        return out

    # -- both ------------------------------------------------------------------

    def judge(
        self,
        tasks: Mapping[str, Task],
        rollouts: Sequence[Rollout],
        grades: Sequence[Grade] | None = None,
        on_graded: Callable[[Grade], None] | None = None,
        on_detected: Callable[[int], None] | None = None,
        detect: bool = True,
    ) -> list[Judged]:
        """Grade (unless ``grades`` are given), detect, record; one `Judged` per rollout."""
        if grades is None:
            grades = self.grade(tasks, rollouts, on_done=on_graded)
        by_id = {g.rollout_id: g for g in grades}
        judged = [Judged(r, by_id.get(r.id)) for r in rollouts]
        if detect and self.detector_names != []:
            detections = self.detect(tasks, rollouts, by_id, on_done=on_detected)
            for item, detection in zip(judged, detections, strict=True):
                item.verdict, item.verdicts = detection.verdict, detection.verdicts
        if self.store is not None:
            self.store.add_rollouts(rollouts)
            self.store.add_grades(grades)
            self.store.add_verdicts(verdicts_of(judged))
        return judged

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Stop the detectors and the grader's workers. Safe to call twice."""
        if self._pipeline is not None:
            self._pipeline.close()
            self._pipeline = None
        if self.grader is not None:
            self.grader.close()

    def __enter__(self) -> Judge:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def verdicts_of(judged: Sequence[Judged]) -> list[Verdict]:
    """Each rollout's detector verdicts then the ensemble's, in the order detection gives."""
    out: list[Verdict] = []
    for j in judged:
        out.extend(j.verdicts)
        if j.verdict is not None:
            out.append(j.verdict)
    return out


__all__ = ["Judge", "Judged", "content_key", "verdicts_of"]
