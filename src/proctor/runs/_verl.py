"""verl's ``rollout_data_dir/{step}.jsonl`` generations and its ``file`` logger's scalars."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from proctor.io import RecordError
from proctor.records import Rollout
from proctor.runs._records import Batch, Scalar
from proctor.runs._tasks import TaskResolver, jsonable
from proctor.runs._trl import message_text, parse_step

VERL_GENERATION_KEYS = frozenset({"input", "output", "gts", "score", "step"})
"""Keys ``RayPPOTrainer._dump_generations`` always writes; the others on a line are the
``reward_extra_info`` that ``compute_score`` returned (one key per extra value)."""


def verl_row(
    row: dict[str, Any], path: Path, line: int, out: Batch, *, tasks: TaskResolver
) -> None:
    """Add one line of verl output to ``out``: a generation or a ``file`` logger entry.

    Generations (``trainer.rollout_data_dir``, one ``{step}.jsonl`` per step):
    ``input`` → ``prompt``; ``output`` → ``completion``; ``score`` → ``reward``;
    ``step`` → ``step`` (the file name's number when absent); ``gts`` →
    ``meta["ground_truth"]``; every other key (reward extra info) →
    ``meta["extra"]``. The id is ``verl/s{step}/{line}``.

    ``file`` logger lines (``trainer.logger=[..., "file"]``, written to
    ``$VERL_FILE_LOGGER_PATH``) are ``{"step": N, "data": {"actor/entropy": ...}}``:
    each number in ``data`` becomes a `Scalar` named by its key; values that are not
    numbers (rare: text tables) are left out.
    """
    data = row.get("data")
    if isinstance(data, dict) and "output" not in row:
        step = parse_step(row.get("step"), path, line)
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float | None):
                continue
            number = math.nan if value is None else float(value)
            out.scalars.append(Scalar(step=step, name=str(name), value=number))
        return
    if "output" not in row:
        raise RecordError(
            "neither a verl generation (`input`, `output`, `score`) nor a `file` logger "
            "line (`step`, `data`)",
            path=path,
            line=line,
            hint="pass the rollout_data_dir files or $VERL_FILE_LOGGER_PATH",
        )
    step = parse_step(row.get("step"), path, line)
    prompt = message_text(row.get("input"), last=False)
    completion = message_text(row.get("output"), last=True) or ""
    task_id = tasks.resolve(row, prompt, path, line)
    score = row.get("score")
    reward = (
        float(score)
        if isinstance(score, int | float) and not isinstance(score, bool) and not math.isnan(score)
        else None
    )
    meta: dict[str, Any] = {"source": "verl"}
    if "gts" in row:
        meta["ground_truth"] = jsonable(row["gts"])
    extra = {
        k: jsonable(v) for k, v in row.items() if k not in VERL_GENERATION_KEYS and k != tasks.key
    }
    if extra:
        meta["extra"] = extra
    try:
        out.rollouts.append(
            Rollout(
                id=f"verl/s{step}/{line}",
                task_id=task_id,
                completion=completion,
                step=step,
                group=f"s{step}/{task_id}",
                prompt=prompt,
                reward=reward,
                meta=meta,
            )
        )
    except ValidationError as exc:
        raise RecordError.from_validation(exc, path=path, line=line) from exc
