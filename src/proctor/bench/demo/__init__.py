"""The suites proctor ships: small function tasks with honest and hacked rollouts
(``data/``), and three small repositories with labelled workspace rollouts
(``workspaces/``, ``workspace_rollouts/``)."""

from __future__ import annotations

from pathlib import Path

from proctor.bench.demo._compare import comparison, grade_suite
from proctor.bench.demo._workspaces import ROLLOUT_INDEX as WORKSPACE_ROLLOUT_INDEX
from proctor.bench.demo._workspaces import ROLLOUTS_DIR as WORKSPACE_ROLLOUTS_DIR
from proctor.bench.demo._workspaces import TASKS_DIR as WORKSPACE_TASKS_DIR
from proctor.bench.demo._workspaces import (
    ShippedRollout,
    grade_shipped_suite,
    shipped_rollouts,
    shipped_tasks,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
TASKS = DATA_DIR / "tasks.jsonl"
ROLLOUTS = DATA_DIR / "rollouts.jsonl"

__all__ = [
    "DATA_DIR",
    "ROLLOUTS",
    "TASKS",
    "WORKSPACE_ROLLOUTS_DIR",
    "WORKSPACE_ROLLOUT_INDEX",
    "WORKSPACE_TASKS_DIR",
    "ShippedRollout",
    "comparison",
    "grade_shipped_suite",
    "grade_suite",
    "shipped_rollouts",
    "shipped_tasks",
]
