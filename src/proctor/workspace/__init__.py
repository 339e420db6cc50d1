"""Workspace grading: agentic coding tasks where the policy edits a repository and pytest decides.

A task is a directory (``task.toml``, ``workspace/``, ``heldout/``); a rollout is
the workspace after the agent's edits (directory, tarball or unified diff).

- ``workspace-hardened`` (`WorkspaceHardenedGrader`): restores the tests and
  pytest's configuration, runs pytest in the sandbox with canaries and an
  authenticated report, runs the held-out tests apart; use it for rewards.
- ``workspace-naive`` (`WorkspaceNaiveGrader`): EXPLOITABLE on purpose: ``python -m
  pytest`` in the workspace as is, reward = exit code 0.

Every grade lists what the rollout did to the grading as `TamperFinding` records.
See docs/workspace.md.
"""

from proctor.workspace._base import WorkspaceGrader
from proctor.workspace._files import (
    Files,
    InputLimits,
    RolloutError,
    TaskError,
    WorkspaceInputError,
)
from proctor.workspace._hardened import WorkspaceHardenedGrader
from proctor.workspace._naive import WorkspaceNaiveGrader
from proctor.workspace._protect import Protection, protect
from proctor.workspace._rollout import WorkspaceRollout, apply_diff, load_rollout
from proctor.workspace._task import WorkspaceLimits, WorkspaceTask, load_task

__all__ = [
    "Files",
    "InputLimits",
    "Protection",
    "RolloutError",
    "TaskError",
    "WorkspaceGrader",
    "WorkspaceHardenedGrader",
    "WorkspaceInputError",
    "WorkspaceLimits",
    "WorkspaceNaiveGrader",
    "WorkspaceRollout",
    "WorkspaceTask",
    "apply_diff",
    "load_rollout",
    "load_task",
    "protect",
]
