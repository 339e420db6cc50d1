"""Reading ProcessBench-style step-level files (parquet or JSON lines).

A row is one trajectory: ``problem``, ``steps`` (list of step texts), ``label`` (index
of the first wrong step, -1 when none), ``final_answer_correct``, optionally
``generator`` and ``split``, and one list column of per-step scores per PRM (the
shipped ``prm-biasbench/processbench.parquet`` has ``Qwen2.5-Math-PRM-7B`` and
``Skywork-o1-Open-PRM-Qwen-2.5-7B``). A column counts as a PRM when every row holds a
list of numbers as long as its ``steps``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audit._prm import aggregate as aggregate_steps
from proctor.audit._table import ScoreTable

REQUIRED = ("problem", "steps", "label", "final_answer_correct")
FORMATS: dict[str, re.Pattern[str]] = {
    "boxed answer": re.compile(r"\\boxed\s*\{"),
    "markdown": re.compile(r"(^|\n)\s*(#{1,6}\s|[-*]\s)|\*\*"),
    "display math": re.compile(r"\\\[|\$\$"),
}
"""Format features probed: present anywhere in the trajectory's steps."""


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a ``.parquet`` (needs pyarrow) or ``.jsonl`` file, checked."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "reading parquet needs pyarrow: pip install 'proctor[audit]'"
            ) from exc
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    else:
        rows = []
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    for n, row in enumerate(rows):
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise ValueError(
                f"{path}: row {n}: missing {', '.join(missing)} "
                f"(a ProcessBench-style row needs {', '.join(REQUIRED)})"
            )
        if not isinstance(row["steps"], list) or not row["steps"]:
            raise ValueError(f"{path}: row {n}: 'steps' must be a non-empty list of strings")
        if not -1 <= int(row["label"]) < len(row["steps"]):
            raise ValueError(
                f"{path}: row {n}: label {row['label']} outside -1..{len(row['steps']) - 1}"
            )
    return rows


def prm_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns holding one number per step in every row."""
    if not rows:
        return []
    out = []
    for key, value in rows[0].items():
        if key in REQUIRED or not isinstance(value, list):
            continue
        # scores are floats; integer lists (per-step lengths, token counts) are not scores
        if all(
            isinstance(r.get(key), list)
            and len(r[key]) == len(r["steps"])
            and all(isinstance(x, float) for x in r[key])
            for r in rows
        ):
            out.append(key)
    return out


def processbench_tables(
    path: Path, aggregate: str = "min", scorers: list[str] | None = None
) -> list[ScoreTable]:
    """One `ScoreTable` per PRM column; gold is ``final_answer_correct``, problems are
    grouped by their text (the same problem answered by several generators competes)."""
    rows = read_rows(path)
    columns = prm_columns(rows)
    if scorers is not None:
        unknown = sorted(set(scorers) - set(columns))
        if unknown:
            raise ValueError(
                f"{path}: no PRM column {', '.join(unknown)}; found {', '.join(columns) or 'none'}"
            )
        columns = [c for c in columns if c in scorers]
    if not columns:
        raise ValueError(f"{path}: no column of per-step scores (one number per step)")
    index: dict[str, int] = {}
    groups = np.array(
        [index.setdefault(str(r["problem"]), len(index)) for r in rows], dtype=np.int64
    )
    gold = np.array([1.0 if r["final_answer_correct"] else 0.0 for r in rows])
    first_error = np.array([int(r["label"]) for r in rows], dtype=np.int64)
    texts = ["\n".join(str(s) for s in r["steps"]) for r in rows]
    numeric = {
        "length": np.array([float(len(t)) for t in texts]),
        "steps": np.array([float(len(r["steps"])) for r in rows]),
    }
    flags = {name: np.array([bool(p.search(t)) for t in texts]) for name, p in FORMATS.items()}
    categorical: dict[str, np.ndarray] = {
        k: np.array([str(r.get(k, "")) for r in rows], dtype=np.str_)
        for k in ("generator", "split")
        if k in rows[0]
    }
    out = []
    for column in columns:
        steps = [np.asarray(r[column], dtype=np.float64) for r in rows]
        score = aggregate_steps(steps, aggregate)
        out.append(
            ScoreTable(
                scorer=column,
                source="processbench",
                kind="prm",
                groups=groups,
                score=score,
                gold=gold,
                steps=steps,
                first_error=first_error,
                numeric=numeric,
                categorical=categorical,
                problem_keys=list(index),
                flags=flags,
                aggregate=aggregate,
            )
        )
    return out


__all__ = ["FORMATS", "REQUIRED", "prm_columns", "processbench_tables", "read_rows"]
