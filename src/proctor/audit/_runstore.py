"""Reading proctor's own run store: the reward the trainer used against the gold grade.

The audited scorer is the rollout's ``reward`` (what the trainer optimised: a reward
model, a judge, a naive grader) or, with ``score="proxy"``, the grade's proxy; gold is
the grade's held-out pass rate. Candidates compete within their GRPO ``group``
(or, without one, within (step, task)), so best-of-n and the bias probes work per
prompt. Length is the completion's (or code's) length in characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from proctor.audit._table import ScoreTable


def runstore_table(run_dir: Path, score: Literal["reward", "proxy"] = "reward") -> ScoreTable:
    """A `ScoreTable` from ``run_dir/run.sqlite``; rollouts without gold are left out."""
    from proctor.runs import RunStore

    if not (run_dir / "run.sqlite").is_file():
        raise FileNotFoundError(
            f"{run_dir}: no run.sqlite (point at a run directory that "
            "`proctor monitor ingest` filled)"
        )
    with RunStore(run_dir, readonly=True) as store:
        grades = {g.rollout_id: g for g in store.grades() if g.status == "ok"}
        rows = []
        for r in store.rollouts():
            g = grades.get(r.id)
            if g is None or g.gold is None:
                continue
            value = r.reward if score == "reward" else g.proxy
            key = r.group or f"{r.step}:{r.task_id}"
            text = r.completion or r.code or ""
            rows.append(
                (
                    key,
                    np.nan if value is None else float(value),
                    float(g.gold),
                    float(len(text)),
                    r.task_id,
                )
            )
    if not rows:
        raise ValueError(f"{run_dir}: no rollout has both a {score} and a gold grade")
    index: dict[str, int] = {}
    groups = np.array([index.setdefault(k, len(index)) for k, *_ in rows], dtype=np.int64)
    return ScoreTable(
        scorer=f"{run_dir.name} ({score})",
        source="runstore",
        kind="pointwise",
        groups=groups,
        score=np.array([r[1] for r in rows]),
        gold=np.array([r[2] for r in rows]),
        numeric={"length": np.array([r[3] for r in rows])},
        problem_keys=list(index),
    )


__all__ = ["runstore_table"]
