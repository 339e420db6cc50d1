"""Read rollouts (proctor's JSONL) and check them against the tasks they answer."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from os import PathLike

from pydantic import ValidationError

from proctor.io._errors import ErrorCallback, KeysByParent, RecordError, report, skip_handler
from proctor.io._jsonl import iter_records
from proctor.records import Rollout, Task

_ROLLOUT_KEYS: KeysByParent = {"": frozenset(Rollout.model_fields)}


def read_rollouts(
    path: str | PathLike[str],
    *,
    skip_invalid: bool = False,
    on_skip: ErrorCallback | None = None,
    lines: dict[str, int] | None = None,
) -> list[Rollout]:
    """Read every rollout in ``path`` (``.jsonl``, ``.jsonl.gz`` or a ``.json`` list).

    Each record needs ``id``, ``task_id`` and ``completion`` or ``code``; ``step``,
    ``group``, ``prompt``, ``reward``, ``transcript`` and ``meta`` are optional. The
    keys are strict (an unknown key is an error that names the closest known one),
    and ids must be unique. A bad record raises `RecordError`; with
    ``skip_invalid=True`` it is passed to ``on_skip`` (or logged) and skipped.
    ``lines``, when given, is filled with each kept rollout's line (by id), for
    errors found later (`check_rollouts_against_tasks`).
    """
    handler = skip_handler(skip_invalid, on_skip)
    rollouts: list[Rollout] = []
    first_line: dict[str, int] = {}
    for line, row in iter_records(path, on_error=handler):
        try:
            rollout = Rollout.model_validate(row)
        except ValidationError as exc:
            err = RecordError.from_validation(
                exc, path=path, line=line, row=row, known=_ROLLOUT_KEYS
            )
            report(err, handler)
            continue
        if rollout.id in first_line:
            first = first_line[rollout.id]
            msg = f"duplicate rollout id {rollout.id!r}, first defined on line {first}"
            hint = "rollout ids must be unique within a file"
            report(RecordError(msg, path=path, line=line, field="id", hint=hint), handler)
            continue
        first_line[rollout.id] = line
        rollouts.append(rollout)
    if lines is not None:
        lines.update(first_line)
    return rollouts


def check_rollouts_against_tasks(
    rollouts: Iterable[Rollout],
    tasks: Iterable[Task] | Mapping[str, Task],
    *,
    skip_invalid: bool = False,
    on_skip: ErrorCallback | None = None,
    path: str | PathLike[str] | None = None,
    lines: Mapping[str, int] | None = None,
) -> list[Rollout]:
    """The rollouts whose ``task_id`` names one of ``tasks``.

    A rollout for an unknown task raises `RecordError` naming the closest task id
    (and its file and line, given the rollouts' ``path`` and the ``lines`` that
    `read_rollouts` filled); with ``skip_invalid=True`` it is passed to ``on_skip``
    (or logged) and left out.
    """
    ids = set(tasks) if isinstance(tasks, Mapping) else {task.id for task in tasks}
    handler = skip_handler(skip_invalid, on_skip)
    kept: list[Rollout] = []
    for rollout in rollouts:
        if rollout.task_id in ids:
            kept.append(rollout)
            continue
        # Numbered ids tie often (HumanEval/O is as close to /9 as to /0): offer three.
        close = difflib.get_close_matches(rollout.task_id, ids, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(map(repr, close))}?" if close else None
        msg = f"rollout {rollout.id!r} answers task {rollout.task_id!r}, which is not loaded"
        line = None if lines is None else lines.get(rollout.id)
        report(RecordError(msg, path=path, line=line, field="task_id", hint=hint), handler)
    return kept
