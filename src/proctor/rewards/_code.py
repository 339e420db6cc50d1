"""`CodeReward`: a code-correctness reward on the hardened grader, with monitor-only signals."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from proctor.graders import HardenedGrader
from proctor.judge import Judge
from proctor.records import Grade, Rollout, Task, Verdict
from proctor.rewards._gate import GATES, Gate, apply_gate
from proctor.rewards._record import Recorder, RunSink
from proctor.rewards._result import RewardResult
from proctor.rewards._tasks import TaskSource, load_tasks
from proctor.sandbox import Isolation, Limits

if TYPE_CHECKING:
    from proctor.graders import RayGrader

log = logging.getLogger(__name__)

Mode = Literal["fraction", "all_pass"]
"""``fraction``: the fraction of visible tests passed; ``all_pass``: 1 if every
visible test passed, else 0."""
MODES: tuple[Mode, ...] = ("fraction", "all_pass")

Backend = Literal["local", "ray"]
"""``local``: a sandbox pool in this process; ``ray``: one per node of a Ray cluster."""
BACKENDS: tuple[Backend, ...] = ("local", "ray")

STATIC_DETECTORS = ("static", "special_casing")
"""What ``detect=True`` runs: analysis of the program text only, no extra execution
(its cost is measured in docs/rewards.md)."""

DEFAULT_LIMITS = Limits(wall=15.0, test=2.0)
"""A training step waits for its slowest rollout: a hung test costs at most 2 s
(the grader raises both limits for tasks whose reference is slow)."""


class CodeReward:
    """Reward = visible-test score from the hardened grader; gold and verdicts ride along.

    ``reward`` is computed from the visible tests alone (``mode``); the held-out
    score and detector verdicts are *monitor-only* (`RewardResult.signals`) unless a
    ``gate`` is set, in which case the ensemble's hack probability lowers the reward
    through `proctor.transforms`. A grader failure gives ``reward=None`` with
    ``status="infra_error"``, never a silent 0; an unknown task id gives ``None``
    with ``status="not_applicable"``.

    Example::

        with CodeReward("tasks.jsonl", mode="fraction", detect=True) as reward:
            [result] = reward.score_batch(["```python\\ndef add(a, b):\\n    return a + b\\n```"],
                                          ["add"])
            result.reward, result.gold, result.verdict
    """

    def __init__(
        self,
        tasks: TaskSource,
        *,
        mode: Mode = "fraction",
        workers: int = 2,
        limits: Limits | Mapping[str, Any] | None = None,
        isolation: Isolation = "auto",
        detect: bool | Sequence[str] = False,
        gate: Gate = "none",
        gate_threshold: float = 0.5,
        record_to: RunSink | str | Path | None = None,
        cache_dir: Path | None = None,
        visible: str = "base",
        gold: str = "plus",
        backend: Backend = "local",
        ray_address: str | None = None,
        require_isolation: bool = False,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if gate not in GATES:
            raise ValueError(f"unknown gate {gate!r}; choose one of {', '.join(GATES)}")
        if gate != "none" and detect is False:
            detect = True  # a gate needs verdicts
        self.tasks: dict[str, Task] = load_tasks(tasks, visible=visible, gold=gold)
        self.mode: Mode = mode
        self.gate: Gate = gate
        self.gate_threshold = gate_threshold
        self.workers = max(1, workers)
        self.backend: Backend = backend
        self.detectors: list[str] = (
            list(STATIC_DETECTORS) if detect is True else list(detect) if detect else []
        )
        from proctor.common import default_cache_dir

        grader_limits = Limits.model_validate(limits) if limits is not None else DEFAULT_LIMITS
        self.grader: HardenedGrader | RayGrader
        if backend == "ray":
            from proctor.graders import RayGrader

            # ``workers`` per node; the cluster's slots, all nodes together, grade at once
            self.grader = RayGrader(
                workers_per_node=self.workers,
                limits=grader_limits,
                isolation=isolation,
                cache_dir=cache_dir or default_cache_dir(),
                address=ray_address,
            )
            self.workers = self.grader.workers
        else:
            self.grader = HardenedGrader(
                workers=self.workers,
                limits=grader_limits,
                isolation=isolation,
                cache_dir=cache_dir or default_cache_dir(),
                require_isolation=require_isolation,
            )
        self.judge = Judge(self.grader, detectors=self.detectors, workers=self.workers)
        self._recorder = Recorder(record_to) if record_to is not None else None
        self._warned: set[str] = set()
        self.listeners: list[Callable[[list[Rollout], list[Grade], list[Verdict]], None]] = []
        """Called after each batch with its records (rollouts with their reward, grades,
        ensemble verdicts): what ``record_to`` stores, for in-process monitors."""

    # -- scoring -------------------------------------------------------------

    def score(self, completion: str | None, task_id: str | None, **kwargs: Any) -> RewardResult:
        """Score one completion (see `score_batch` for the keyword arguments)."""
        return self.score_batch([completion], [task_id], **kwargs)[0]

    def score_batch(
        self,
        completions: Sequence[str | None],
        task_ids: Sequence[str | None],
        *,
        prompts: Sequence[str | None] | None = None,
        ids: Sequence[str | None] | None = None,
        step: int | None = None,
        groups: Sequence[str | None] | None = None,
    ) -> list[RewardResult]:
        """Grade a batch in parallel (bounded by the sandbox limits) and return one result each.

        ``completions`` are raw model text (the last fenced Python block is graded,
        or the whole text); ``None`` counts as an empty completion. ``groups``
        default to one GRPO group per distinct prompt of the step.
        """
        rollouts = self.rollouts(
            completions, task_ids, prompts=prompts, ids=ids, step=step, groups=groups
        )
        known = [r for r in rollouts if r.task_id in self.tasks]
        return self.results(rollouts, self._grade(known))

    def rollouts(
        self,
        completions: Sequence[str | None],
        task_ids: Sequence[str | None],
        *,
        prompts: Sequence[str | None] | None = None,
        ids: Sequence[str | None] | None = None,
        step: int | None = None,
        groups: Sequence[str | None] | None = None,
    ) -> list[Rollout]:
        """The rollouts `score_batch` grades (for callers that schedule grading themselves,
        like the reward server: grade those whose task is in `tasks`, then call `results`)."""
        n = len(completions)
        for name, seq in (
            ("task_ids", task_ids),
            ("prompts", prompts),
            ("ids", ids),
            ("groups", groups),
        ):
            if seq is not None and len(seq) != n:
                raise ValueError(f"{name} has {len(seq)} entries for {n} completions")
        return [
            self._rollout(i, completions, task_ids, prompts, ids, step, groups) for i in range(n)
        ]

    def results(self, rollouts: list[Rollout], grades: dict[str, Grade]) -> list[RewardResult]:
        """Detection, the reward, the gate and the record for graded ``rollouts`` (``grades``
        by rollout id; a rollout of an unknown task has none)."""
        known = [r for r in rollouts if r.task_id in self.tasks]
        for r in rollouts:
            if r.task_id not in self.tasks:
                self._warn_unknown(r.task_id)
        verdicts = self._detect(known, grades)
        results = [self._result(r, grades.get(r.id), verdicts.get(r.id)) for r in rollouts]
        self._apply_gate(results)
        if self._recorder is not None or self.listeners:
            rewarded = [
                r.model_copy(update={"reward": res.reward})
                for r, res in zip(rollouts, results, strict=True)
            ]
            batch = (rewarded, list(grades.values()), list(verdicts.values()))
            if self._recorder is not None:
                self._recorder.record(*batch)
            for listener in self.listeners:
                listener(*batch)
        return results

    def _rollout(
        self,
        i: int,
        completions: Sequence[str | None],
        task_ids: Sequence[str | None],
        prompts: Sequence[str | None] | None,
        ids: Sequence[str | None] | None,
        step: int | None,
        groups: Sequence[str | None] | None,
    ) -> Rollout:
        prompt = prompts[i] if prompts is not None else None
        group = groups[i] if groups is not None else None
        if group is None and prompt is not None:
            digest = hashlib.blake2b(prompt.encode(errors="replace"), digest_size=6).hexdigest()
            group = f"s{step}/{digest}" if step is not None else digest
        rollout_id = (ids[i] if ids is not None else None) or uuid.uuid4().hex
        return Rollout(
            id=rollout_id,
            task_id=task_ids[i] or "<none>",
            completion=completions[i] or "",
            step=step if step is not None and step >= 0 else None,
            group=group,
            prompt=prompt,
        )

    def _grade(self, rollouts: list[Rollout]) -> dict[str, Grade]:
        if not rollouts:
            return {}
        return {g.rollout_id: g for g in self.judge.grade(self.tasks, rollouts)}

    def _detect(self, rollouts: list[Rollout], grades: dict[str, Grade]) -> dict[str, Verdict]:
        if not self.detectors or not rollouts:
            return {}
        try:
            detections = self.judge.detect(self.tasks, rollouts, grades)
            return {d.rollout_id: d.verdict for d in detections}
        except Exception as exc:  # detection is a signal; losing it must not lose the reward
            log.warning("detection failed on a batch of %d: %s", len(rollouts), exc)
            return {}

    def _result(
        self, rollout: Rollout, grade: Grade | None, verdict: Verdict | None
    ) -> RewardResult:
        if grade is None:
            return RewardResult(
                rollout_id=rollout.id,
                task_id=rollout.task_id,
                status="not_applicable",
                error=f"unknown task id {rollout.task_id!r}",
            )
        probability = None
        if verdict is not None and verdict.label != "not_applicable":
            probability = verdict.confidence if verdict.label != "clean" else 0.0
        common: dict[str, Any] = {
            "rollout_id": rollout.id,
            "task_id": rollout.task_id,
            "gold": grade.gold,
            "verdict": verdict.label if verdict is not None else None,
            "category": verdict.category if verdict is not None else None,
            "hack_probability": probability,
            "error": grade.error,
        }
        if grade.status != "ok" or grade.proxy is None:
            return RewardResult(status="infra_error", **common)
        reward = self._reward(grade)
        return RewardResult(reward=reward, raw_reward=reward, proxy=grade.proxy, **common)

    def _reward(self, grade: Grade) -> float:
        if self.mode == "all_pass":
            total = grade.visible_total
            return 1.0 if total and grade.visible_passed == total else 0.0
        return float(grade.proxy or 0.0)

    def _apply_gate(self, results: list[RewardResult]) -> None:
        if self.gate == "none":
            return
        gated = apply_gate(
            self.gate,
            [r.reward for r in results],
            [r.hack_probability for r in results],
            self.gate_threshold,
        )
        for result, value in zip(results, gated, strict=True):
            if value is not None and result.reward is not None and value < result.reward:
                result.reward, result.gated = value, True

    def _warn_unknown(self, task_id: str) -> None:
        if task_id not in self._warned and len(self._warned) < 100:
            self._warned.add(task_id)
            log.warning(
                "no task with id %r among the %d loaded: reward None", task_id, len(self.tasks)
            )

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Stop the grader's workers, the detectors and the recorder. Safe to call twice."""
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None
        self.judge.close()

    def __enter__(self) -> CodeReward:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = [
    "BACKENDS",
    "DEFAULT_LIMITS",
    "MODES",
    "STATIC_DETECTORS",
    "Backend",
    "CodeReward",
    "Mode",
]
