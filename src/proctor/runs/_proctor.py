"""proctor's own JSONL (rollouts, grades, verdicts, scalars) and the lab's run directory."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from proctor.io import RecordError
from proctor.records import Grade, Rollout, Verdict
from proctor.runs._records import Batch, Scalar

_M = TypeVar("_M", bound=BaseModel)

LAB_FILES = ("rollouts", "grades", "verdicts", "scalars")
"""The record files of a lab run directory, in the order they are ingested."""
MAX_MANIFEST_BYTES = 4 * 2**20


def proctor_row(row: dict[str, Any], path: Path, line: int, out: Batch) -> None:
    """Add the record on one line of proctor JSONL to ``out``.

    The kind is told per record by its keys, so one file may mix them:
    ``detector`` → `Verdict`; ``rollout_id`` + ``grader`` → `Grade`; ``id`` or
    ``task_id`` → `Rollout`; only ``step`` and numbers → step scalars
    (``{"step": 3, "kl": 0.01, ...}``, the lab's ``scalars.jsonl.gz``).
    """
    if "detector" in row and "rollout_id" in row:
        out.verdicts.append(_validate(Verdict, row, path, line))
    elif "rollout_id" in row and "grader" in row:
        out.grades.append(_validate(Grade, row, path, line))
    elif "id" in row or "task_id" in row:
        out.rollouts.append(_validate(Rollout, row, path, line))
    elif "step" in row:
        out.scalars.extend(scalar_row(row, path, line))
    else:
        raise RecordError(
            "cannot tell what this record is",
            path=path,
            line=line,
            hint="a rollout has `id` and `task_id`, a grade `rollout_id` and `grader`, a "
            "verdict `rollout_id` and `detector`, a scalar line `step` and numbers",
        )


def _validate(model: type[_M], row: dict[str, Any], path: Path, line: int) -> _M:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        known = {"": frozenset(model.model_fields)}
        raise RecordError.from_validation(exc, path=path, line=line, row=row, known=known) from exc


def scalar_row(
    row: dict[str, Any], path: Path, line: int, *, source: str = "trainer"
) -> list[Scalar]:
    """``{"step": int, "<name>": number, ...}`` as scalars; null is NaN."""
    step = row.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise RecordError(
            f"`step` must be a whole number ≥ 0, got {step!r}", path=path, line=line, field="step"
        )
    scalars = []
    for name, value in row.items():
        if name == "step":
            continue
        if value is None:
            value = math.nan
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise RecordError(
                f"a scalar must be a number or null, got {value!r}"[:120],
                path=path,
                line=line,
                field=name,
            )
        scalars.append(Scalar(step=step, name=name, value=float(value), source=source))
    return scalars


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The lab's ``run.json``, checked to be a JSON object of sane size."""
    path = run_dir / "run.json"
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise RecordError(f"cannot read the run manifest: {exc.strerror}", path=path) from exc
    if len(data) > MAX_MANIFEST_BYTES:
        raise RecordError("the run manifest is larger than 4 MiB", path=path)
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise RecordError(
            f"invalid JSON: {exc}"[:200],
            path=path,
            hint="run.json is written by `proctor lab`; was it cut off?",
        ) from exc
    if not isinstance(manifest, dict):
        raise RecordError("the run manifest must be a JSON object", path=path)
    return manifest


def lab_files(run_dir: Path) -> list[Path]:
    """The record files of a lab run directory that exist, rollouts first."""
    found = []
    for stem in LAB_FILES:
        for name in (f"{stem}.jsonl.gz", f"{stem}.jsonl"):
            if (run_dir / name).is_file():
                found.append(run_dir / name)
                break
    return found
