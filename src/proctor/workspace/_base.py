"""What the two workspace graders share: the `Grader` interface, adapted to workspaces.

Their own entry point is ``grade_workspace(task, rollout)`` with a
`WorkspaceTask` and a `WorkspaceRollout`. The generic ``grade(task, rollout)``
of `Grader` also works, for pipelines that carry workspace rollouts as
`Rollout` records: the task is looked up by id among the tasks given to the
grader, and the workspace is ``rollout.meta["workspace"]`` (a directory,
tarball or diff path) or, failing that, ``rollout.code`` read as a unified diff
against the pristine tree.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Iterable
from pathlib import Path

from proctor.graders import Grader
from proctor.records import ExecStats, Grade, Rollout, Task
from proctor.workspace._files import WorkspaceInputError
from proctor.workspace._rollout import WorkspaceRollout, apply_diff, load_rollout
from proctor.workspace._task import WorkspaceTask, load_task

MAX_FAILURES_KEPT = 5


class WorkspaceGrader(Grader):
    """Grades workspace rollouts (see module docstring)."""

    def __init__(self, tasks: Iterable[WorkspaceTask | Path] = ()) -> None:
        self.tasks: dict[str, WorkspaceTask] = {}
        for task in tasks:
            self.add_task(task if isinstance(task, WorkspaceTask) else load_task(task))

    def add_task(self, task: WorkspaceTask) -> None:
        """Make ``task`` known to `grade` (by its name)."""
        self.tasks[task.name] = task

    @abc.abstractmethod
    def grade_workspace(self, task: WorkspaceTask, rollout: WorkspaceRollout) -> Grade:
        """Grade one workspace rollout. Never raises for bad code; infra failures are a Grade."""

    @property
    def mechanisms(self) -> list[str]:
        """What protects the host while the tests run."""
        return []

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        """Grade a `Rollout` record that carries a workspace (see module docstring)."""
        started = time.perf_counter()
        workspace_task = self.tasks.get(task.id)
        if workspace_task is None:
            return self.failed(
                rollout.id,
                task.id,
                started,
                "infra_error",
                f"{task.id!r} is not a workspace task this grader knows; "
                "workspace graders grade task directories (docs/workspace.md)",
            )
        try:
            path = rollout.meta.get("workspace")
            if isinstance(path, str):
                loaded = load_rollout(Path(path), workspace_task.pristine, rollout.id)
            else:
                diff = rollout.code or rollout.completion or ""
                files = apply_diff(diff, workspace_task.pristine)
                loaded = WorkspaceRollout(rollout.id, files, "diff")
        except WorkspaceInputError as exc:
            return self.failed(rollout.id, task.id, started, "ok", f"rollout rejected: {exc}")
        except OSError as exc:
            return self.failed(rollout.id, task.id, started, "infra_error", str(exc))
        loaded.transcript = rollout.transcript
        return self.grade_workspace(workspace_task, loaded)

    def failed(
        self, rollout_id: str, task_id: str, started: float, status: str, error: str
    ) -> Grade:
        """A grade for a rollout that could not be run (``ok``: a score of 0, with why)."""
        return Grade(
            rollout_id=rollout_id,
            task_id=task_id,
            grader=self.name,
            status="ok" if status == "ok" else "infra_error",
            error=error,
            proxy=0.0 if status == "ok" else None,
            sandbox=self.mechanisms,
            stats=ExecStats(wall_ms=(time.perf_counter() - started) * 1000),
        )


__all__ = ["MAX_FAILURES_KEPT", "WorkspaceGrader"]
