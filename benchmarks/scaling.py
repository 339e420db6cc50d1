#!/usr/bin/env python
"""Grading throughput against worker count, with and without sharding a big task's tests.

What is graded: the 164 HumanEval+ canonical solutions on every base and ``plus_input``
test (about 124k tests; ../shared/data, as benchmarks/grading.py), by the hardened
grader fully sandboxed, ``grade_many(pairs, workers=N)`` for each N in ``--workers``:

* ``sharded``   -- the defaults: a task whose reference took over 1 s is cut into
  shards run by different workers (``shard_seconds=1``);
* ``unsharded`` -- ``shard_seconds=0``: one worker grades a whole solution.

Untimed, as in production: the expected outputs (computed once into a cache shared by
every grader of the run) and each grader's start (its sandbox pool is warm before the
clock starts: plans are built and one tiny batch is graded first). Timed: one
``grade_many`` over all 164. Repeats are interleaved (every N and mode once, then
again), so a noisy neighbour hits them alike; the tables give medians, speed-up
against 1 worker of the same mode in the same run, efficiency = speed-up / N, and the
floor the work allows (the sum of per-solution times at 1 worker over N, or the
longest single grade if larger). Every grade must be full marks; a grade that is not
is counted and shown, never dropped.

Run::

    python benchmarks/scaling.py                         # N = 1, 2 ... up to this machine's cores
    python benchmarks/scaling.py --workers 1 2 4 8 16 --repeats 3

Writes benchmarks/results/scaling.json and scaling.md (``--out`` for elsewhere). A
benchmark, not a test: nothing asserts on wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grading
from grading import git_commit, load_tasks, log

from proctor.graders._hardened import HardenedGrader
from proctor.records import Rollout, Task

ROOT = Path(__file__).resolve().parent
MODES = {"sharded": 1.0, "unsharded": 0.0}
"""Mode name -> ``shard_seconds`` (1.0 is the default; 0 never shards)."""


def _grader(workers: int, shard_seconds: float, cache: Path) -> HardenedGrader:
    return HardenedGrader(workers=workers, cache_dir=cache, shard_seconds=shard_seconds)


def _warm(grader: HardenedGrader, pairs: list[tuple[Task, Rollout]]) -> None:
    """Plans built and every sandbox worker started, so only grading is timed."""
    for task, _ in pairs:
        grader.reference_seconds(task)
    small = min(pairs, key=lambda p: grader.reference_seconds(p[0]))
    list(grader.grade_many([small] * grader.workers, workers=grader.workers))


def _one(workers: int, mode: str, pairs: list[tuple[Task, Rollout]], cache: Path) -> dict[str, Any]:
    grader = _grader(workers, MODES[mode], cache)
    try:
        _warm(grader, pairs)
        t0 = time.perf_counter()
        grades = list(grader.grade_many(pairs, workers=workers))
        wall = time.perf_counter() - t0
    finally:
        grader.close()
    return {
        "wall": wall,
        "not_full": sorted(g.task_id for g in grades if g.status != "ok" or (g.gold or 0.0) < 1.0),
        "per_solution_s": {g.task_id: g.stats.wall_ms / 1000 for g in grades},
    }


def summarise(runs: dict[str, dict[int, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Medians, speed-ups, efficiencies and floors per mode and worker count."""
    out: dict[str, Any] = {}
    for mode, by_n in runs.items():
        base = statistics.median(r["wall"] for r in by_n[min(by_n)])
        one = by_n.get(1)
        work = statistics.median(sum(r["per_solution_s"].values()) for r in one) if one else None
        pole = statistics.median(max(r["per_solution_s"].values()) for r in one) if one else None
        rows = []
        for n, reps in sorted(by_n.items()):
            wall = statistics.median(r["wall"] for r in reps)
            speedup = base / wall if min(by_n) == 1 else None
            rows.append(
                {
                    "workers": n,
                    "wall_s": round(wall, 2),
                    "each": [round(r["wall"], 2) for r in reps],
                    "speedup": None if speedup is None else round(speedup, 2),
                    "efficiency": None if speedup is None else round(speedup / n, 2),
                    "floor_s": None if work is None else round(max(work / n, pole or 0), 2),
                    "not_full": sorted({t for r in reps for t in r["not_full"]}),
                }
            )
        out[mode] = {
            "one_worker_work_s": None if work is None else round(work, 2),
            "longest_single_s": None if pole is None else round(pole, 2),
            "rows": rows,
        }
    return out


def markdown(result: dict[str, Any]) -> str:
    """The results page."""
    lines = [
        "# Grading throughput against worker count (HumanEval+ canonical, all tests)",
        "",
        f"Command: `{result['command']}`. Machine: {result['cpus']} CPUs "
        f"({result['machine']}), load average {result['load_before']} before, "
        f"{result['load_after']} after; commit {result['commit']}; {result['date']}.",
        f"Sandbox: {', '.join(result['mechanisms'])}. Medians of {result['repeats']} "
        "interleaved repeats; speed-up against 1 worker of the same mode in the same run; "
        "efficiency = speed-up / workers; floor = max(1-worker work / N, longest single "
        "grade). Every solution must get full marks: a task that did not is listed.",
    ]
    for mode, s in result["summary"].items():
        lines += [
            "",
            f"## {mode}",
            "",
            f"1-worker work (sum of per-solution times): {s['one_worker_work_s']} s; "
            f"longest single grade: {s['longest_single_s']} s.",
            "",
            "| workers | wall s (median) | each | speed-up | efficiency | floor s "
            "| not full marks |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in s["rows"]:
            lines.append(
                f"| {r['workers']} | {r['wall_s']} | {', '.join(map(str, r['each']))} | "
                f"{r['speedup']} | {r['efficiency']} | {r['floor_s']} | "
                f"{', '.join(r['not_full']) or 'none'} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_n = [n for n in (1, 2, 4, 8, 16) if n <= cpus]
    parser.add_argument("--workers", type=int, nargs="+", default=default_n)
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="first N tasks only (smoke)")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--data",
        type=Path,
        default=grading.DATA,
        help="HumanEvalPlus.jsonl.gz (default: ../shared/data beside the repository)",
    )
    args = parser.parse_args()
    grading.DATA = args.data
    tasks, rollouts = load_tasks(args.limit)
    by_id = {t.id: t for t in tasks}
    pairs = [(by_id[r.task_id], r) for r in rollouts]
    load_before = [round(x, 1) for x in os.getloadavg()]
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {m: {} for m in args.modes}
    with tempfile.TemporaryDirectory(prefix="proctor-scaling-") as tmp:
        cache = Path(tmp)
        log("expected outputs (once, untimed)")
        first = _grader(max(args.workers), 0.0, cache)
        try:
            _warm(first, pairs)
            mechanisms = first.mechanisms
        finally:
            first.close()
        for rep in range(args.repeats):
            for n in args.workers:
                for mode in args.modes:
                    r = _one(n, mode, pairs, cache)
                    runs[mode].setdefault(n, []).append(r)
                    log(f"repeat {rep + 1}: {mode} x{n}: {r['wall']:.1f} s")
    argv = "python benchmarks/scaling.py --workers " + " ".join(map(str, args.workers))
    argv += f" --repeats {args.repeats}" + (f" --limit {args.limit}" if args.limit else "")
    result = {
        "command": argv,
        "cpus": cpus,
        "machine": platform.platform(),
        "commit": git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": load_before,
        "load_after": [round(x, 1) for x in os.getloadavg()],
        "mechanisms": mechanisms,
        "repeats": args.repeats,
        "summary": summarise(runs),
        "runs": {m: {str(n): v for n, v in by.items()} for m, by in runs.items()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"scaling-{cpus}cpu" if cpus != 2 else "scaling"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
