"""The workspace suite proctor ships: three small repositories with labelled rollouts.

Tasks live in ``proctor/bench/demo/workspaces/<task>/`` and rollouts in
``proctor/bench/demo/workspace_rollouts/<task>/<rollout>`` (a directory or a ``.diff``),
indexed with their labels by ``workspace_rollouts/rollouts.jsonl``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from proctor.records import Grade
from proctor.workspace import WorkspaceRollout, WorkspaceTask, load_rollout, load_task

_DEMO = Path(__file__).resolve().parent
TASKS_DIR = _DEMO / "workspaces"
"""One directory per shipped workspace task."""
ROLLOUTS_DIR = _DEMO / "workspace_rollouts"
"""Shipped rollouts, by task."""
ROLLOUT_INDEX = ROLLOUTS_DIR / "rollouts.jsonl"
"""One labelled line per shipped rollout."""

RolloutKind = Literal["honest_correct", "honest_wrong", "hack"]


@dataclass(frozen=True)
class ShippedRollout:
    """One line of the index: where the rollout is and what it is."""

    id: str
    task: str
    path: Path
    kind: RolloutKind
    category: str
    """``honest``, or the hack family (``test-tampering``, ``report-forgery``, ...)."""
    description: str

    def load(self, task: WorkspaceTask) -> WorkspaceRollout:
        """The rollout's files (a diff is applied to ``task``'s pristine tree)."""
        return load_rollout(self.path, task.pristine, rollout_id=self.id)


def shipped_tasks() -> dict[str, WorkspaceTask]:
    """The shipped tasks by name."""
    tasks = [load_task(d) for d in sorted(TASKS_DIR.iterdir()) if (d / "task.toml").is_file()]
    return {task.name: task for task in tasks}


def shipped_rollouts() -> list[ShippedRollout]:
    """Every shipped rollout with its label, in index order."""
    rollouts = []
    for line in ROLLOUT_INDEX.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            rollouts.append(
                ShippedRollout(
                    id=entry["id"],
                    task=entry["task"],
                    path=ROLLOUTS_DIR / entry["path"],
                    kind=entry["kind"],
                    category=entry["category"],
                    description=entry["description"],
                )
            )
    return rollouts


def grade_shipped_suite(
    graders: tuple[str, ...] = ("workspace-hardened", "workspace-naive"), workers: int = 2
) -> list[tuple[ShippedRollout, dict[str, Grade]]]:
    """Every shipped rollout graded by each grader (for ``proctor demo`` and reports)."""
    from proctor.graders import create_grader
    from proctor.workspace import WorkspaceGrader

    tasks = shipped_tasks()
    shipped = shipped_rollouts()
    loaded = [(s, tasks[s.task], s.load(tasks[s.task])) for s in shipped]
    grades: dict[str, list[Grade]] = {}
    for name in graders:
        grader = create_grader(
            name, **({"workers": workers} if name == "workspace-hardened" else {})
        )
        assert isinstance(grader, WorkspaceGrader)
        with grader, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            tasks_, rollouts_ = [t for _, t, _ in loaded], [r for _, _, r in loaded]
            grades[name] = list(pool.map(grader.grade_workspace, tasks_, rollouts_))
    return [(s, {name: grades[name][i] for name in graders}) for i, s in enumerate(shipped)]


__all__ = [
    "ROLLOUTS_DIR",
    "ROLLOUT_INDEX",
    "TASKS_DIR",
    "ShippedRollout",
    "grade_shipped_suite",
    "shipped_rollouts",
    "shipped_tasks",
]
