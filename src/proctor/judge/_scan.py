"""`scan`: grade (hardened) → detect → store → analyse, writing a run directory.

What ``proctor scan`` does, as a library call: the command line only reads its
options and prints the `ScanResult`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.judge._judge import Judge, Judged, verdicts_of
from proctor.records import Grade, Rollout, Task, Verdict

if TYPE_CHECKING:
    from proctor.monitor import Analysis

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, stage ``grading`` or ``detecting``."""


def verdict_rows(judged: Sequence[Judged], all_verdicts: bool = False) -> list[dict[str, Any]]:
    """The verdict lines ``proctor detect`` and ``scan`` write, one per detected rollout."""
    from proctor.detectors import Detection

    return [
        Detection(j.rollout.id, j.verdict, j.verdicts).record(all_verdicts)
        for j in judged
        if j.verdict is not None
    ]


def batch_summary(
    rows: list[dict[str, Any]], grades: list[Grade], seconds: float
) -> dict[str, Any]:
    """Label counts, mean scores and the flagged rollouts of one scanned batch."""
    by_category = Counter(r["category"] for r in rows if r["label"] == "hack")
    ok = [g for g in grades if g.status == "ok"]
    golds = [g.gold for g in ok if g.gold is not None]
    hacked = {r["rollout_id"] for r in rows if r["label"] == "hack"}
    return {
        "rollouts": len(rows),
        "labels": dict(Counter(r["label"] for r in rows)),
        "hacks_by_category": dict(by_category.most_common()),
        "mean_proxy": round(sum(g.proxy or 0 for g in ok) / len(ok), 4) if ok else None,
        "mean_gold": round(sum(golds) / len(golds), 4) if golds else None,
        "hacks_rewarded_by_proxy": sum(g.rollout_id in hacked and (g.proxy or 0) > 0 for g in ok),
        "infra_errors": len(grades) - len(ok),
        # tests the reference fails on this machine: dropped from both scores, said here
        "dropped_tests": {g.task_id: g.warnings for g in ok if g.excluded},
        "seconds": round(seconds, 2),
        "flagged": [
            {k: r[k] for k in ("rollout_id", "label", "category", "confidence")}
            | {"evidence": r["evidence"][:2]}
            for r in rows
            if r["label"] != "clean"
        ],
    }


@dataclass
class ScanResult:
    """Everything a scan produced (the files under ``out`` hold the same)."""

    out: Path
    judged: list[Judged]
    grades: list[Grade]
    verdicts: list[Verdict]
    rows: list[dict[str, Any]]
    """The lines of ``verdicts.jsonl``."""
    analysis: Analysis
    summary: dict[str, Any]
    """The content of ``summary.json``."""
    distinct: int
    """Distinct (task, completion) pairs among the rollouts."""
    sandboxed_detection: bool
    """False when no sandbox was available and the differential detector was skipped."""


def scan(
    tasks: Mapping[str, Task],
    rollouts: Sequence[Rollout],
    out: Path,
    *,
    workers: int = 2,
    all_verdicts: bool = False,
    name: str = "run",
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    require_isolation: bool = False,
) -> ScanResult:
    """Grade with the hardened grader, detect, store and analyse ``rollouts``.

    Writes ``grades.jsonl``, ``verdicts.jsonl``, ``run.sqlite``, ``summary.json`` and
    ``report.html`` under ``out``. Raises `proctor.sandbox.InfraError` when no
    sandbox can be started.
    """
    from proctor.graders import HardenedGrader
    from proctor.monitor import analyse, write_report
    from proctor.runs import RunStore

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    todo = list(rollouts)
    grader = HardenedGrader(
        workers=workers, cache_dir=cache_dir, require_isolation=require_isolation
    )
    with Judge(grader, workers=workers, sandbox=True, cache_dir=cache_dir) as judge:
        distinct = judge.distinct(todo)
        graded = [0]
        detected = [0]

        def on_graded(_: Grade) -> None:
            graded[0] += 1
            if progress is not None:
                progress("grading", graded[0], distinct)

        def on_detected(n: int) -> None:
            detected[0] += n
            if progress is not None:
                progress("detecting", detected[0], distinct)

        grades = judge.grade(tasks, todo, on_done=on_graded)
        with (out / "grades.jsonl").open("w") as sink:
            sink.writelines(g.model_dump_json() + "\n" for g in grades)
        judged = judge.judge(tasks, todo, grades, on_detected=on_detected)
        sandboxed = judge.pipeline.pool is not None
    verdicts = verdicts_of(judged)
    rows = verdict_rows(judged, all_verdicts)
    with (out / "verdicts.jsonl").open("w") as sink:
        sink.writelines(json.dumps(r) + "\n" for r in rows)
    with RunStore(out) as store:
        store.add_rollouts(todo)
        store.add_grades(grades)
        store.add_verdicts(verdicts)
        store.set_meta("source", "proctor scan")
    analysis = analyse(todo, grades, verdicts)
    summary = analysis.summary() | batch_summary(rows, grades, time.perf_counter() - started)
    summary["isolation"] = grader.mechanisms  # what was actually in force
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    write_report(
        analysis,
        out / "report.html",
        name=name,
        rollouts=todo,
        grades=grades,
        verdicts=verdicts,
        tasks=tasks,
    )
    return ScanResult(out, judged, grades, verdicts, rows, analysis, summary, distinct, sandboxed)


__all__ = ["Progress", "ScanResult", "batch_summary", "scan", "verdict_rows"]
