#!/usr/bin/env python
"""What ``test_isolation="fresh"`` costs: every held-out test alone in its own child.

Grades the canonical solutions of a few HumanEval+ tasks (spread over the file) with
the hardened grader in its default mode (``probe``: one held-out test re-run alone)
and in ``fresh`` mode, alternating per repeat, with expected outputs cached before
the clock starts. Reported per mode: median wall seconds per rollout, the sandbox
CPU, and for ``fresh`` the extra wall per held-out test, with the ratio fresh/probe.
Every grade must be proxy 1 / gold 1 with no flag (honest code), or the run fails.

Run::

    .venv/bin/python benchmarks/fresh_isolation.py [--tasks 4] [--repeats 1]

Writes ``benchmarks/results/fresh-isolation.{json,md}``. Nothing asserts on wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from proctor.graders import HardenedGrader
from proctor.io import read_tasks
from proctor.records import Rollout

ROOT = Path(__file__).resolve().parents[1]
DATA = (
    Path(os.environ.get("PROCTOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
    / "humanevalplus"
    / "HumanEvalPlus.jsonl.gz"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"HumanEval+ not found at {DATA} (set PROCTOR_SHARED_DATA)")
    every = read_tasks(DATA)
    step = max(1, len(every) // args.tasks)
    tasks = every[::step][: args.tasks]
    cache = Path(tempfile.mkdtemp(prefix="proctor-fresh-bench-"))
    graders = {
        mode: HardenedGrader(workers=1, cache_dir=cache, test_isolation=mode)
        for mode in ("probe", "fresh")
    }
    rows: dict[str, list[dict[str, Any]]] = {mode: [] for mode in graders}
    try:
        for task in tasks:  # expected outputs and plans before timing
            for grader in graders.values():
                grader.reference_seconds(task)
        for _ in range(args.repeats):
            for mode, grader in graders.items():
                for task in tasks:
                    rollout = Rollout(id=f"{mode}/{task.id}", task_id=task.id, code=task.reference)
                    started = time.perf_counter()
                    grade = grader.grade(task, rollout)
                    wall = time.perf_counter() - started
                    if (grade.status, grade.proxy, grade.gold, grade.tamper) != (
                        "ok",
                        1.0,
                        1.0,
                        [],
                    ):
                        raise SystemExit(f"{mode} {task.id}: not 1/1 unflagged: {grade}")
                    rows[mode].append(
                        {
                            "task": task.id,
                            "wall_s": wall,
                            "cpu_s": grade.stats.cpu_ms / 1000,
                            "heldout": grade.heldout_total,
                        }
                    )
    finally:
        for grader in graders.values():
            grader.close()
    probe = statistics.median(r["wall_s"] for r in rows["probe"])
    fresh = statistics.median(r["wall_s"] for r in rows["fresh"])
    per_test = statistics.median(
        (f["wall_s"] - p["wall_s"]) / f["heldout"]
        for p, f in zip(rows["probe"], rows["fresh"], strict=True)
    )
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg": os.getloadavg(),
        },
        "tasks": [t.id for t in tasks],
        "repeats": args.repeats,
        "median_wall_s": {"probe": probe, "fresh": fresh},
        "ratio_fresh_over_probe": fresh / probe,
        "median_extra_ms_per_heldout_test": per_test * 1000,
        "rows": rows,
    }
    out = ROOT / "benchmarks" / "results"
    (out / "fresh-isolation.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "fresh-isolation.md").write_text(
        "# test_isolation='fresh' vs 'probe' (HumanEval+ canonical solutions)\n\n"
        f"Tasks: {', '.join(result['tasks'])}; repeats {args.repeats}; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.\n\n"
        "| mode | median wall s / rollout |\n|---|---|\n"
        f"| probe (default) | {probe:.2f} |\n| fresh | {fresh:.2f} |\n\n"
        f"Ratio fresh/probe: **{fresh / probe:.1f}×**; extra wall per held-out test run "
        f"alone: **{per_test * 1000:.1f} ms** (median over tasks). Every grade was "
        "proxy 1, gold 1, no flag.\n\n"
        "Command: `.venv/bin/python benchmarks/fresh_isolation.py "
        f"--tasks {args.tasks} --repeats {args.repeats}`\n"
    )
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
