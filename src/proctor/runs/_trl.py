"""TRL's ``completions/completions_{step:05d}.parquet`` (``log_completions=True``) as rollouts."""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from proctor.io import RecordError
from proctor.records import Rollout
from proctor.runs._records import Batch
from proctor.runs._tasks import TaskResolver, jsonable

TRL_KNOWN_COLUMNS = frozenset(
    {"step", "prompt", "completion", "advantage", "mode", "image", "images"}
)
"""Columns with a fixed meaning in TRL's table; every other numeric column is a reward
function's (unless ``reward_columns`` says otherwise) and the rest are ``log_extra`` values."""

MONITOR_PREFIX = "proctor_"
"""``log_extra`` columns proctor's reward function writes (``proctor_gold``...): monitor-only
signals, never a reward, whatever their type."""


def is_reward_column(name: str) -> bool:
    """Whether a numeric column of a TRL table may be a reward function's column."""
    return name not in TRL_KNOWN_COLUMNS and not name.startswith(MONITOR_PREFIX)


_STEP_IN_NAME = re.compile(r"(\d+)")


def step_from_name(path: Path) -> int | None:
    """The last number in a file name (``completions_00042.parquet`` → 42; ``42.jsonl`` → 42)."""
    numbers = _STEP_IN_NAME.findall(path.name)
    return int(numbers[-1]) if numbers else None


def parse_step(value: Any, path: Path, line: int) -> int:
    """A step logged as an int or as text (TRL writes ``str(global_step)``) or the file's."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    from_name = step_from_name(path) if value is None else None
    if from_name is None:
        raise RecordError(
            f"`step` must be a whole number ≥ 0, got {value!r}"[:120],
            path=path,
            line=line,
            field="step",
        )
    return from_name


def message_text(value: Any, *, last: bool) -> str | None:
    """Text of a prompt or completion: a string, or a chat (list of ``{role, content}``).

    A conversational completion is the assistant's message(s); ``last`` keeps only
    the final message's content (the answer), otherwise the turns are joined.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [m.get("content") if isinstance(m, dict) else m for m in value]
        texts = [p if isinstance(p, str) else str(jsonable(p)) for p in parts if p is not None]
        if not texts:
            return ""
        return texts[-1] if last else "\n".join(texts)
    return str(jsonable(value))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def trl_row(
    row: dict[str, Any],
    path: Path,
    line: int,
    out: Batch,
    *,
    tasks: TaskResolver,
    reward_columns: Sequence[str] | None = None,
) -> None:
    """Add one row of a TRL completions table (``line`` is its 1-based row) to ``out``.

    Mapping: ``step`` → ``step``; ``prompt`` → ``prompt``; ``completion`` →
    ``completion``; the reward columns (numeric, never ``proctor_*``: those are
    proctor's monitor-only ``log_extra`` columns) → ``reward`` as their NaN-ignoring **sum**
    (what GRPOTrainer optimises with the default ``reward_weights`` of 1; a row
    with no reward at all gets ``None``) and each one into ``meta["rewards"]``;
    ``advantage`` → ``meta["advantage"]``; the remaining columns (``log_extra``,
    ``mode``) → ``meta["extra"]``. The id is ``trl/s{step}/{row}``: stable, so a
    re-ingest is a no-op; ``group`` is ``s{step}/{task_id}``.
    """
    step = parse_step(row.get("step"), path, line)
    completion = message_text(row.get("completion"), last=True)
    if completion is None:
        raise RecordError(
            "no `completion` in this row",
            path=path,
            line=line,
            hint="is this a TRL completions table (log_completions=True)?",
        )
    prompt = message_text(row.get("prompt"), last=False)
    task_id = tasks.resolve(row, prompt, path, line)
    names = (
        list(reward_columns)
        if reward_columns is not None
        else [
            k
            for k, v in row.items()
            if is_reward_column(k) and k != tasks.key and _number(v) is not None
        ]
    )
    rewards = {name: _number(row.get(name)) for name in names}
    present = [v for v in rewards.values() if v is not None]
    extra = {
        k: jsonable(v)
        for k, v in row.items()
        if k not in TRL_KNOWN_COLUMNS and k not in rewards and k != tasks.key
    }
    if "mode" in row:
        extra["mode"] = jsonable(row["mode"])
    meta: dict[str, Any] = {
        "source": "trl",
        "rewards": rewards,
        "advantage": _number(row.get("advantage")),
    }
    if extra:
        meta["extra"] = extra
    try:
        out.rollouts.append(
            Rollout(
                id=f"trl/s{step}/{line}",
                task_id=task_id,
                completion=completion,
                step=step,
                group=f"s{step}/{task_id}",
                prompt=prompt,
                reward=math.fsum(present) if present else None,
                meta=meta,
            )
        )
    except ValidationError as exc:
        raise RecordError.from_validation(exc, path=path, line=line) from exc


def _require_pyarrow() -> None:
    """Fail with what to do, not a traceback, when the optional pyarrow is missing."""
    if importlib.util.find_spec("pyarrow") is None:
        raise ValueError('reading TRL parquet files needs pyarrow: pip install "proctor[parquet]"')


def numeric_columns(path: Path, *, exclude: Sequence[str | None] = ()) -> list[str]:
    """The reward columns of a TRL table: its numeric columns other than the fixed ones.

    Read from the file's schema, so a reward that is null (NaN) in some rows is still
    a reward column in every row.
    """
    _require_pyarrow()
    import pyarrow as pa  # type: ignore[import-untyped]  # optional: only TRL needs it
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    schema = pq.read_schema(path)
    return [
        f.name
        for f in schema
        if (pa.types.is_floating(f.type) or pa.types.is_integer(f.type))
        and is_reward_column(f.name)
        and f.name not in exclude
    ]


def read_parquet_rows(
    path: Path, *, start: int, batch_rows: int = 2048
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, row)`` (1-based) of a parquet file after the first ``start`` rows."""
    _require_pyarrow()
    import pyarrow.parquet as pq

    number = 0
    with pq.ParquetFile(path) as table:
        for record_batch in table.iter_batches(batch_size=batch_rows):
            if number + record_batch.num_rows <= start:
                number += record_batch.num_rows
                continue
            for row in record_batch.to_pylist():
                number += 1
                if number > start:
                    yield number, row
