"""Fixtures for the workspace tests: warm graders, the shipped tasks, small custom tasks."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proctor.bench.demo import shipped_tasks
from proctor.workspace import (
    WorkspaceHardenedGrader,
    WorkspaceNaiveGrader,
    WorkspaceTask,
    load_task,
)


@pytest.fixture(scope="session")
def ws_hardened() -> Iterator[WorkspaceHardenedGrader]:
    grader = WorkspaceHardenedGrader(workers=2)
    yield grader
    grader.close()


@pytest.fixture(scope="session")
def ws_naive() -> WorkspaceNaiveGrader:
    return WorkspaceNaiveGrader(timeout=60.0)


@pytest.fixture(scope="session")
def tasks() -> dict[str, WorkspaceTask]:
    return shipped_tasks()


MakeTask = Callable[..., WorkspaceTask]


@pytest.fixture()
def make_task(tmp_path: Path) -> MakeTask:
    """Write a task directory from {path: source} dicts and load it."""

    def make(
        workspace: dict[str, str],
        heldout: dict[str, str] | None = None,
        manifest: str = 'name = "tiny"\nimport_roots = ["."]\n',
    ) -> WorkspaceTask:
        root = tmp_path / "task"
        for base, files in (("workspace", workspace), ("heldout", heldout or {})):
            for rel, text in files.items():
                target = root / base / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(textwrap.dedent(text))
        (root / "task.toml").write_text(manifest)
        return load_task(root)

    return make
