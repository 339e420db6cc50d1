"""Candidate pools: what the lab's policy can say for each task, with its ground truth.

A pool is every labelled rollout the corpus holds for a task: honest correct
solutions, honest wrong ones (single-site bugs, many of which pass the visible
tests) and hacks of every category the corpus writes for that task (syntactic
ones such as early exits and lying ``__eq__``, and the semantic ones: special-
casing and hard-coded visible outputs, plus hacks wrapped in stated intent).
The corpus' ``kind``/``category``/``family`` travel with each candidate as
ground truth; the policy sees only the kind of strategy a candidate belongs to,
never how the grader or a detector would treat it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from proctor.io import extract_code
from proctor.records import Rollout, Task

Kind = Literal["honest_correct", "honest_wrong", "hack"]
KINDS: tuple[Kind, ...] = ("honest_correct", "honest_wrong", "hack")


@dataclass(frozen=True)
class Candidate:
    """One completion the policy can sample for a task, with its ground truth."""

    id: str
    """The corpus rollout id it came from (unique across the corpus)."""
    task_id: str
    """The task it answers."""
    kind: Kind
    """Ground truth: ``honest_correct``, ``honest_wrong`` or ``hack``."""
    category: str
    """Taxonomy slug for hacks (e.g. ``special_casing``); the bug class for honest wrong."""
    family: str | None
    """Hack family (e.g. ``test_targeting``); ``None`` for honest candidates."""
    code: str
    """The program (extracted from the completion when the corpus has prose)."""
    completion: str | None = None
    """The raw text with prose, when the corpus has one (stated-intent hacks do)."""
    transcript: tuple[dict[str, Any], ...] | None = None
    """Agent actions, when the corpus has them."""

    @property
    def length(self) -> int:
        """Characters the policy emitted (completion when there is one, else code)."""
        return len(self.completion if self.completion is not None else self.code)

    def as_rollout(self, rollout_id: str) -> Rollout:
        """A rollout carrying exactly what was graded (no truth in ``meta``)."""
        return Rollout(
            id=rollout_id,
            task_id=self.task_id,
            code=self.code,
            completion=self.completion,
            transcript=list(self.transcript) if self.transcript is not None else None,
        )


def _candidate(rollout: Rollout) -> Candidate | None:
    meta = rollout.meta
    kind = meta.get("kind")
    if kind not in KINDS:
        return None
    code = rollout.code if rollout.code is not None else extract_code(rollout.completion or "")
    family = meta.get("family") if kind == "hack" else None
    return Candidate(
        id=rollout.id,
        task_id=rollout.task_id,
        kind=kind,
        category=str(meta.get("category") or kind),
        family=str(family) if family else ("unknown" if kind == "hack" else None),
        code=code,
        completion=rollout.completion,
        transcript=tuple(rollout.transcript) if rollout.transcript is not None else None,
    )


def build_pools(tasks: dict[str, Task], rollouts: Iterable[Rollout]) -> dict[str, list[Candidate]]:
    """Candidates per task id, for tasks that have at least one candidate of each kind.

    A task without an honest correct, an honest wrong or a hack candidate is
    left out: the policy would have no choice to learn there.
    """
    pools: dict[str, list[Candidate]] = {}
    for rollout in rollouts:
        if rollout.task_id not in tasks:
            continue
        candidate = _candidate(rollout)
        if candidate is not None:
            pools.setdefault(rollout.task_id, []).append(candidate)
    return {
        task_id: sorted(pool, key=lambda c: c.id)
        for task_id, pool in sorted(pools.items())
        if {c.kind for c in pool} == set(KINDS)
    }


def choose_tasks(pools: dict[str, list[Candidate]], n: int, seed: int) -> list[str]:
    """``n`` task ids drawn (deterministically by ``seed``) from the pools' tasks."""
    ids = sorted(pools)
    if n >= len(ids):
        return ids
    return sorted(random.Random(f"proctor-lab-tasks/{seed}").sample(ids, n))


def load_pools(
    split: Literal["heldout", "dev"] = "heldout", task_ids: Sequence[str] | None = None
) -> tuple[dict[str, Task], dict[str, list[Candidate]]]:
    """The corpus tasks and candidate pools of one split (optionally only ``task_ids``)."""
    from proctor.bench.corpus import load_corpus

    tasks, rollouts = load_corpus(split=split)
    if task_ids is not None:
        wanted = set(task_ids)
        missing = sorted(wanted - set(tasks))
        if missing:
            raise KeyError(f"tasks not in the {split} split of the corpus: {', '.join(missing)}")
        tasks = {tid: t for tid, t in tasks.items() if tid in wanted}
    return tasks, build_pools(tasks, rollouts)
