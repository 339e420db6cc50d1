"""``proctor grade-workspace``: grade workspace rollouts (a repository the policy edited).

One rollout (``--workspace``) prints one JSON object with ``--json``; an index of
rollouts (``--rollouts``, JSONL with ``id`` and ``workspace`` or ``path`` per line,
paths relative to the index) writes one JSON line per rollout to ``--out``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from proctor.cli._app import app, err_console, print_error
from proctor.cli._grade_options import (
    GraderOption,
    IsolationOption,
    JsonOption,
    OutOption,
    PerTestOption,
    TranscriptOption,
    WorkersOption,
    WorkspaceIndexOption,
    WorkspaceOption,
)
from proctor.graders import create_grader
from proctor.records import Grade
from proctor.sandbox import InfraError
from proctor.workspace import (
    WorkspaceGrader,
    WorkspaceInputError,
    WorkspaceRollout,
    WorkspaceTask,
    load_rollout,
    load_task,
)

GRADER_NAMES = {
    "hardened": "workspace-hardened",
    "naive-pytest": "workspace-naive",
    "workspace-hardened": "workspace-hardened",
    "workspace-naive": "workspace-naive",
}
"""``--grader`` values accepted with ``--task-dir`` -> registered workspace graders."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    print_error(message)
    return typer.Exit(code)


def _index(path: Path, task: WorkspaceTask) -> list[tuple[str, Path, Path | None]]:
    """(id, workspace path, transcript path) for each line of a rollout index about ``task``."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            where = entry.get("workspace", entry.get("path"))
            if not isinstance(entry, dict) or not isinstance(where, str):
                raise ValueError("needs `workspace` (or `path`): the rollout's location")
        except (ValueError, AttributeError) as exc:
            raise _fail(f"{path}:{number}: {exc}") from None
        if entry.get("task", task.name) != task.name:
            continue  # an index may cover several tasks
        transcript = entry.get("transcript")
        entries.append(
            (
                str(entry.get("id") or where),
                path.parent / where,
                path.parent / transcript if isinstance(transcript, str) else None,
            )
        )
    return entries


def summary(grade: Grade) -> Table:
    """One rollout's grade for people: scores, counts and what was tampered with."""
    table = Table(title=f"{grade.rollout_id} ({grade.grader})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("status", grade.status if grade.status == "ok" else f"[red]{grade.status}[/]")
    table.add_row(
        "proxy (visible)", f"{grade.proxy} ({grade.visible_passed}/{grade.visible_total})"
    )
    table.add_row("gold (held-out)", f"{grade.gold} ({grade.heldout_passed}/{grade.heldout_total})")
    for line in grade.tamper or ["none"]:
        table.add_row("tamper", f"[red]{line}[/]" if grade.tamper else line)
    if grade.error:
        table.add_row("error", grade.error)
    return table


def grade_workspaces(
    task_dir: Path,
    workspace: Path | None,
    index: Path | None,
    out: Path | None,
    grader: str,
    json_output: bool,
    transcript: Path | None,
    workers: int = 1,
    isolation: str = "auto",
    per_test: bool = False,
    show_heldout_expected: bool = False,
) -> None:
    """``proctor grade-workspace`` (and ``proctor grade --task-dir``; see module docstring)."""
    name = GRADER_NAMES.get(grader)
    if name is None:
        raise _fail(f"with --task-dir, --grader is one of {', '.join(GRADER_NAMES)}")
    if (workspace is None) == (index is None):
        raise _fail(
            "with --task-dir, give exactly one of --workspace (one rollout) or "
            "--rollouts (an index of rollouts, with --out)"
        )
    if index is not None and out is None:
        raise _fail("--rollouts with --task-dir needs --out")
    try:
        task = load_task(task_dir)
    except WorkspaceInputError as exc:
        raise _fail(str(exc)) from None
    options: dict[str, object] = {}
    if name == "workspace-hardened":
        options = {
            "workers": workers,
            "isolation": isolation,
            "keep_tests": per_test,
            "show_heldout_expected": show_heldout_expected,
        }
    try:
        engine = create_grader(name, **options)
    except InfraError as exc:
        raise _fail(str(exc), 3) from None
    assert isinstance(engine, WorkspaceGrader)
    with engine:
        if workspace is not None:
            _one(engine, task, workspace, transcript, out, json_output)
        else:
            assert index is not None and out is not None
            _many(engine, task, index, out, workers)


def _one(
    engine: WorkspaceGrader,
    task: WorkspaceTask,
    workspace: Path,
    transcript: Path | None,
    out: Path | None,
    json_output: bool,
) -> None:
    try:
        rollout = load_rollout(workspace, task.pristine, transcript=transcript)
    except WorkspaceInputError as exc:
        raise _fail(f"rollout rejected: {exc}") from None
    grade = engine.grade_workspace(task, rollout)
    line = grade.model_dump_json()
    if json_output:
        sys.stdout.write(line + "\n")
    else:
        err_console.print(summary(grade))
    if out is not None:
        out.write_text(line + "\n")
    if grade.status == "infra_error":
        raise typer.Exit(3)


def _many(
    engine: WorkspaceGrader, task: WorkspaceTask, index: Path, out: Path, workers: int
) -> None:
    rollouts: list[WorkspaceRollout] = []
    for rollout_id, where, transcript in _index(index, task):
        try:
            rollouts.append(load_rollout(where, task.pristine, rollout_id, transcript))
        except (WorkspaceInputError, OSError) as exc:
            print_error(f"{rollout_id}: {exc}", label="skipped", style="yellow")
    from concurrent.futures import ThreadPoolExecutor

    with out.open("w") as sink, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for grade in pool.map(lambda r: engine.grade_workspace(task, r), rollouts):
            sink.write(grade.model_dump_json() + "\n")
            sink.flush()  # one line per rollout as it completes: an interrupt loses nothing graded
            tampered = f" [red]{len(grade.tamper)} tamper finding(s)[/]" if grade.tamper else ""
            err_console.print(
                f"{grade.rollout_id}: proxy {grade.proxy} gold {grade.gold}{tampered}"
            )
    err_console.print(f"{len(rollouts)} rollouts graded -> {out}")


@app.command("grade-workspace")
def grade_workspace(
    task_dir: Annotated[
        Path,
        typer.Option(
            "--task-dir",
            help="The workspace task directory (task.toml, workspace/, heldout/).",
            exists=True,
            file_okay=False,
        ),
    ],
    workspace: WorkspaceOption = None,
    rollouts: WorkspaceIndexOption = None,
    out: OutOption = None,
    grader: GraderOption = "hardened",
    json_output: JsonOption = False,
    transcript: TranscriptOption = None,
    workers: WorkersOption = 2,
    isolation: IsolationOption = "auto",
    per_test: PerTestOption = False,
) -> None:
    """Grade repository rollouts (a repository the policy edited; pytest decides).

    proctor grade-workspace --task-dir TASK --workspace DIR --json
    proctor grade-workspace --task-dir TASK --rollouts index.jsonl --out grades.jsonl
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    grade_workspaces(
        task_dir,
        workspace,
        rollouts,
        out,
        grader,
        json_output,
        transcript,
        workers=workers,
        isolation=isolation,
        per_test=per_test,
    )


__all__ = ["GRADER_NAMES", "grade_workspace", "grade_workspaces", "summary"]
