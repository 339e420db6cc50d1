"""Option definitions ``proctor grade`` and ``proctor grade-workspace`` share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

GraderOption = Annotated[
    str,
    typer.Option(
        help="Grader to use. hardened is the one for rewards; the naive ones are EXPLOITABLE "
        "on purpose, for research."
    ),
]
WorkersOption = Annotated[
    int, typer.Option(min=1, help="Sandbox workers (one warm interpreter each).")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Where to write one JSON grade per line.")
]
PerTestOption = Annotated[
    bool, typer.Option("--per-test", help="Include every test's outcome in the output.")
]
IsolationOption = Annotated[
    str, typer.Option(help="auto, userns, bwrap or none (see docs/threat-model.md).")
]
TaskDirOption = Annotated[
    Path | None,
    typer.Option(
        "--task-dir",
        help="A workspace task directory (task.toml, workspace/, heldout/): grade repository "
        "rollouts with pytest (docs/workspace.md).",
        exists=True,
        file_okay=False,
    ),
]
WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        help="The rollout to grade: a directory, a tarball or a .diff against the pristine tree.",
        exists=True,
    ),
]
TranscriptOption = Annotated[
    Path | None,
    typer.Option(
        "--transcript",
        help="With --workspace: the agent's actions (JSON list or JSONL), carried into the record.",
        exists=True,
        dir_okay=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="With --workspace: print the grade as one JSON object on stdout."),
]
WorkspaceIndexOption = Annotated[
    Path | None,
    typer.Option(
        "--rollouts",
        "-r",
        help="An index of workspace rollouts (JSONL: id, and workspace or path), graded to --out.",
        exists=True,
        dir_okay=False,
    ),
]

__all__ = [
    "GraderOption",
    "IsolationOption",
    "JsonOption",
    "OutOption",
    "PerTestOption",
    "TaskDirOption",
    "TranscriptOption",
    "WorkersOption",
    "WorkspaceIndexOption",
    "WorkspaceOption",
]
