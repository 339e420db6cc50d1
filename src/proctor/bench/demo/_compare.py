"""The demo's comparison: every shipped rollout graded by each grader, side by side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from proctor.graders import create_grader
from proctor.judge import Judge
from proctor.records import Grade, Rollout, Task


def _row_label(rollout: Rollout) -> str:
    kind = str(rollout.meta.get("kind", "unlabelled"))
    if kind == "hack":
        return f"hack: {rollout.meta.get('category', '?')}"
    return kind.replace("_", " ")


def grade_suite(
    tasks: dict[str, Task],
    rollouts: list[Rollout],
    grader_names: tuple[str, ...],
    workers: int,
    out: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, list[Grade]]:
    """Grade every rollout with every grader; write one JSONL per grader under ``out``.

    ``progress(grader, done, total)`` is called as each grader advances.
    """
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Grade]] = {}
    for name in grader_names:
        grades = _grade_with(name, tasks, rollouts, workers, progress)
        with (out / f"grades-{name}.jsonl").open("w") as sink:
            sink.writelines(grade.model_dump_json() + "\n" for grade in grades)
        results[name] = grades
    return results


def _grade_with(
    name: str,
    tasks: dict[str, Task],
    rollouts: list[Rollout],
    workers: int,
    progress: Callable[[str, int, int], None] | None,
) -> list[Grade]:
    grader = create_grader(name, **({"workers": workers} if name == "hardened" else {}))
    with Judge(grader, workers=workers) as judge:
        total, done = judge.distinct(rollouts), [0]

        def tick(_: Grade) -> None:
            done[0] += 1
            if progress is not None:
                progress(name, done[0], total)

        return judge.grade(tasks, rollouts, on_done=tick)


def comparison(rollouts: list[Rollout], results: dict[str, list[Grade]]) -> dict[str, Any]:
    """Per row label: how many rollouts, and per grader the mean proxy and how many got reward."""
    rows: dict[str, dict[str, Any]] = {}
    for index, rollout in enumerate(rollouts):
        row = rows.setdefault(_row_label(rollout), {"n": 0, "graders": {}})
        row["n"] += 1
        for name, grades in results.items():
            grade = grades[index]
            cell = row["graders"].setdefault(
                name, {"rewarded": 0, "proxy_sum": 0.0, "gold_sum": 0.0, "infra": 0}
            )
            if grade.status != "ok":
                cell["infra"] += 1
                continue
            cell["rewarded"] += (grade.proxy or 0.0) > 0
            cell["proxy_sum"] += grade.proxy or 0.0
            cell["gold_sum"] += grade.gold or 0.0
    for row in rows.values():
        for cell in row["graders"].values():
            cell["mean_proxy"] = round(cell.pop("proxy_sum") / row["n"], 3)
            cell["mean_gold"] = round(cell.pop("gold_sum") / row["n"], 3)
    return dict(sorted(rows.items(), key=lambda item: (item[0].startswith("hack"), item[0])))


__all__ = ["comparison", "grade_suite"]
