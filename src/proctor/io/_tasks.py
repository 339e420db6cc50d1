"""Read tasks from HumanEval, HumanEval+ / MBPP+ and proctor's own format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from typing import Any

from pydantic import ValidationError

from proctor.io._errors import (
    ErrorCallback,
    KeysByParent,
    RecordError,
    missing_key,
    report,
    skip_handler,
)
from proctor.io._jsonl import iter_records
from proctor.io._program import with_prompt
from proctor.records import Task, TestSuite

VISIBLE_CHOICES = ("base", "test")
"""``base``: io suite from ``base_input``; ``test``: assert suite from ``test``."""
GOLD_CHOICES = ("plus", "none")
"""``plus``: io suite from ``plus_input``; ``none``: no held-out suite."""

_SUITE_KEYS = frozenset(TestSuite.model_fields)
_OWN_KEYS: KeysByParent = {
    "": frozenset(Task.model_fields),
    "visible": _SUITE_KEYS,
    "heldout": _SUITE_KEYS,
}
_HUMANEVAL_KEYS = frozenset({"task_id", "prompt", "entry_point", "canonical_solution", "test"})
_EVALPLUS_KEYS = _HUMANEVAL_KEYS | {"base_input", "plus_input", "atol", "contract"}


def read_tasks(
    path: str | PathLike[str],
    *,
    visible: str = "base",
    gold: str = "plus",
    skip_invalid: bool = False,
    on_skip: ErrorCallback | None = None,
) -> list[Task]:
    """Read every task in ``path`` (``.jsonl``, ``.jsonl.gz`` or a ``.json`` list).

    The format is recognised per record: HumanEval+ / MBPP+ rows (``base_input``,
    ``plus_input``), plain HumanEval rows (``task_id``, ``test``,
    ``canonical_solution``), or proctor's own `Task` JSON, whose test values may
    use the tagged encoding of `proctor.sandbox.runtime.codec`. ``visible`` and
    ``gold`` pick the suites of HumanEval(+) rows (see `VISIBLE_CHOICES`,
    `GOLD_CHOICES`); a plain HumanEval row always gets its ``test`` as the visible
    suite and has no held-out suite.

    A bad record raises `RecordError` (file, line, field, hint). With
    ``skip_invalid=True`` it is passed to ``on_skip`` (or logged) and skipped.
    Duplicate task ids are errors.
    """
    _check_choice("visible", visible, VISIBLE_CHOICES)
    _check_choice("gold", gold, GOLD_CHOICES)
    handler = skip_handler(skip_invalid, on_skip)
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for line, row in iter_records(path, on_error=handler):
        try:
            task = task_from_row(row, path=path, line=line, visible=visible, gold=gold)
            if task.id in first_line:
                raise RecordError(
                    f"duplicate task id {task.id!r}, first defined on line {first_line[task.id]}",
                    path=path,
                    line=line,
                    field="id" if "id" in row else "task_id",
                    hint="task ids must be unique within a file",
                )
        except RecordError as err:
            report(err, handler)
            continue
        first_line[task.id] = line
        tasks.append(task)
    return tasks


def task_from_row(
    row: Mapping[str, Any],
    *,
    path: str | PathLike[str],
    line: int,
    visible: str = "base",
    gold: str = "plus",
) -> Task:
    """One record of any supported format as a validated `Task` (or `RecordError`)."""
    _check_choice("visible", visible, VISIBLE_CHOICES)
    _check_choice("gold", gold, GOLD_CHOICES)
    if "base_input" in row or "plus_input" in row:
        data, rename, known = _from_humaneval(row, path, line, visible, gold, plus=True)
    elif "id" not in row and "task_id" in row and ("test" in row or "canonical_solution" in row):
        data, rename, known = _from_humaneval(row, path, line, "test", "none", plus=False)
    else:
        data, rename, known = _from_own(row, path, line), {}, _OWN_KEYS
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise RecordError.from_validation(
            exc, path=path, line=line, row=row, known=known, rename=rename
        ) from None


def _from_humaneval(
    row: Mapping[str, Any],
    path: str | PathLike[str],
    line: int,
    visible: str,
    gold: str,
    *,
    plus: bool,
) -> tuple[dict[str, Any], dict[str, str], KeysByParent]:
    """A HumanEval(+) row as `Task` data, and how Task fields map back to row keys."""
    keys = _EVALPLUS_KEYS if plus else _HUMANEVAL_KEYS

    def text(key: str) -> str:
        if key not in row:
            raise missing_key(key, path=path, line=line, row=row, known=keys)
        value = row[key]
        if not isinstance(value, str):
            raise RecordError(
                f"expected a string, got {type(value).__name__}", path=path, line=line, field=key
            )
        return value

    task_id, entry_point = text("task_id"), text("entry_point")
    prompt, solution = text("prompt"), text("canonical_solution")
    rename = {"id": "task_id", "reference": "canonical_solution"}
    if visible == "base":
        if "base_input" not in row:
            raise missing_key("base_input", path=path, line=line, row=row, known=keys)
        suite: dict[str, Any] = {"kind": "io", "inputs": row["base_input"]}
        rename |= {"visible.inputs": "base_input", "visible": "base_input"}
    else:
        suite = {"kind": "assert", "code": text("test")}
        rename |= {"visible.code": "test", "visible": "test"}
    heldout = None
    # An absent or empty plus_input means the task has no gold tests: None, not an
    # empty suite that would score 0/0.
    if gold == "plus" and row.get("plus_input") not in (None, []):
        heldout = {"kind": "io", "inputs": row["plus_input"]}
        rename |= {"heldout.inputs": "plus_input", "heldout": "plus_input"}
    atol = row.get("atol")
    data = {
        "id": task_id,
        "prompt": prompt,
        "entry_point": entry_point,
        # a prose prompt (chat-style datasets) is context, not the head of the program
        "reference": with_prompt(prompt, solution, entry_point),
        "visible": suite,
        "heldout": heldout,
        "atol": 0.0 if atol is None else atol,
        "oracle": _oracle(task_id, entry_point),
        "source": f"{path}:{line}",
    }
    return data, rename, {}


def _oracle(task_id: str, entry_point: str) -> str:
    # HumanEval/32 asks for *a* root of a polynomial: any x with |poly(xs, x)| <= atol
    # is right, so comparing with the reference's root would fail honest solutions.
    return "poly_root" if (task_id, entry_point) == ("HumanEval/32", "find_zero") else "equal"


def _from_own(row: Mapping[str, Any], path: str | PathLike[str], line: int) -> dict[str, Any]:
    """Proctor's own format: decode tagged test values; the rest is left to the model."""
    data = dict(row)
    data["source"] = f"{path}:{line}"
    for name in ("visible", "heldout"):
        suite = data.get(name)
        if not isinstance(suite, dict):
            continue
        suite = dict(suite)
        for key in ("inputs", "outputs"):
            values = suite.get(key)
            if isinstance(values, list) and _has_tags(values):
                suite[key] = _decode(values, f"{name}.{key}", path, line)
        data[name] = suite
    return data


def _has_tags(values: list[Any]) -> bool:
    # One C-speed dump beats walking every value in Python; '{"$' only appears
    # where an object has a '$' key (inside strings the quote would be escaped).
    return '{"$' in json.dumps(values)


def _decode(values: list[Any], field: str, path: str | PathLike[str], line: int) -> list[Any]:
    from proctor.sandbox.runtime.codec import decode_value  # judge-side, stdlib only

    try:
        decoded = decode_value(values)
    except ValueError:  # DecodeError, or a non-finite float json.dumps refuses
        for i, value in enumerate(values):
            try:
                decode_value(value)
            except ValueError as exc:
                raise RecordError(
                    f"bad tagged value: {exc}",
                    path=path,
                    line=line,
                    field=f"{field}.{i}",
                    hint='tags are {"$tuple": [...]}, {"$set": [...]}, {"$float": "nan"}, ...',
                ) from None
        raise  # pragma: no cover (the whole list failed, so one element must)
    if not isinstance(decoded, list):  # pragma: no cover (a list decodes to a list)
        raise RecordError("expected a list", path=path, line=line, field=field)
    return decoded


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        options = " or ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be {options}, got {value!r}")
