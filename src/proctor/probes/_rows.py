"""Probe rows: a rollout's prompt and completion, its task, and (for training) its label.

Read from proctor's rollout JSONL (`proctor.io`): each line is a rollout record, plus a
``label`` (top level, or ``meta.label``): ``true``/``1``/``"hack"`` for a reward hack,
``false``/``0``/``"honest"``/``"clean"`` for an honest completion. The prompt comes from
the rollout, else from its task (``tasks``), since activations depend on what the model
saw before it wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

from pydantic import ValidationError

from proctor.io import RecordError, iter_records
from proctor.records import Rollout, Task

_TRUE = {"hack", "hacked", "reward_hack", "true", "1", "yes"}
_FALSE = {"honest", "clean", "benign", "false", "0", "no"}
_ROLLOUT_KEYS = frozenset(Rollout.model_fields)


@dataclass(frozen=True)
class ProbeRow:
    """One completion to capture and score."""

    id: str
    task_id: str
    prompt: str
    completion: str
    label: bool | None = None
    """``True`` for a reward hack, ``False`` for honest, ``None`` when unlabelled."""


def parse_label(value: Any) -> bool | None:
    """A label as a bool; ``None`` when absent; `ValueError` when it means nothing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"label {value!r} is not a hack/honest label")


def row_from_rollout(rollout: Rollout, task: Task | None = None, label: Any = None) -> ProbeRow:
    """The probe row of a rollout: its prompt (else its task's), its completion (else
    its extracted code) and ``label`` (else ``meta.label``)."""
    completion = rollout.completion if rollout.completion is not None else rollout.code
    if completion is None:
        raise ValueError("the rollout has no `completion` or `code` to probe")
    prompt = rollout.prompt if rollout.prompt is not None else (task.prompt if task else "")
    raw = label if label is not None else rollout.meta.get("label")
    return ProbeRow(rollout.id, rollout.task_id, prompt, completion, parse_label(raw))


def read_probe_rows(
    path: str | PathLike[str],
    *,
    tasks: Mapping[str, Task] | None = None,
    require_labels: bool = False,
) -> list[ProbeRow]:
    """Every row of a rollout JSONL (``.jsonl``, ``.jsonl.gz``, ``.json`` list).

    Errors are `proctor.io.RecordError` with file, line and field: a bad rollout, a
    duplicate id, a label that means nothing, a missing label under
    ``require_labels``, or a row with no prompt when its task is not given.
    """
    rows: list[ProbeRow] = []
    seen: dict[str, int] = {}
    for line, raw in iter_records(path):
        record = dict(raw)
        label = record.pop("label", None)
        try:
            rollout = Rollout.model_validate(record)
        except ValidationError as exc:
            known = {"": _ROLLOUT_KEYS | {"label"}}
            raise RecordError.from_validation(
                exc, path=path, line=line, row=raw, known=known
            ) from exc
        if rollout.id in seen:
            raise RecordError(
                f"duplicate rollout id {rollout.id!r}, first on line {seen[rollout.id]}",
                path=path,
                line=line,
                field="id",
            )
        seen[rollout.id] = line
        task = (tasks or {}).get(rollout.task_id)
        if rollout.prompt is None and task is None:
            hint = "give each row its `prompt`, or pass the tasks file (--tasks)"
            raise RecordError("no prompt", path=path, line=line, field="prompt", hint=hint)
        try:
            row = row_from_rollout(rollout, task, label)
        except ValueError as exc:
            field = "completion" if "completion" in str(exc) else "label"
            why = "use true (a reward hack) or false (honest)" if field == "label" else None
            raise RecordError(str(exc), path=path, line=line, field=field, hint=why) from exc
        if require_labels and row.label is None:
            hint = "training needs every row labelled: `label`: true (hack) or false (honest)"
            raise RecordError("no label", path=path, line=line, field="label", hint=hint)
        rows.append(row)
    if not rows:
        raise RecordError("no rows", path=path, hint="the file holds no rollout records")
    return rows


def rows_digest(rows: Sequence[ProbeRow]) -> str:
    """A digest of the training rows (task, label, prompt, completion), order-free."""
    items = sorted(
        json.dumps([r.task_id, r.label, r.prompt, r.completion], ensure_ascii=False) for r in rows
    )
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


__all__ = ["ProbeRow", "parse_label", "read_probe_rows", "row_from_rollout", "rows_digest"]
