#!/usr/bin/env python
"""Per-rollout cost of grading workspace rollouts: hardened vs naive, on the shipped suite.

What is graded: every rollout in ``proctor/bench/demo/workspace_rollouts`` (honest,
wrong and hacked; 3 tasks), each with both workspace graders, one rollout at a
time (one worker), so the figures are per-rollout latency:

* ``workspace-hardened`` -- protected files restored, the workspace sent to a
  warm sandbox zygote, pytest in-process in a locked-down forked child for the
  visible tests and again, in a second child, for the held-out tests.
* ``workspace-naive`` -- ``python -m pytest`` in a fresh copy of the workspace,
  twice (visible, then held-out), each a new interpreter under ``unshare`` and
  ``prlimit`` when available.

Both graders are measured in the same run, interleaved rollout by rollout, the
order of the two alternating between repeats. Figures are medians over
``--repeats``. Not timed: loading the rollouts from disk, starting the sandbox,
and the hardened grader's pristine collection (once per task, cached; reported
separately). CPU is the graded processes' user+system time (from ``wait4``);
the judge's own CPU is reported apart.

Run::

    .venv/bin/python benchmarks/workspace.py [--repeats 5]

Writes ``benchmarks/results/workspace.json`` and ``workspace.md``. This is a
benchmark, not a test: nothing asserts on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from proctor.bench.demo import shipped_rollouts, shipped_tasks
from proctor.workspace import (
    WorkspaceHardenedGrader,
    WorkspaceNaiveGrader,
    WorkspaceRollout,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "benchmarks" / "results" / "workspace.json"


def git_commit() -> str | None:
    """HEAD, with ``-dirty`` when tracked files differ (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def src_digest() -> str:
    """sha256 over src/proctor/**: identifies the code measured when the tree is dirty."""
    h = hashlib.sha256()
    for path in sorted((REPO / "src" / "proctor").rglob("*.py")):
        h.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def timed(grader: Any, task: Any, rollout: WorkspaceRollout) -> dict[str, Any]:
    """One grading: wall ms, graded processes' CPU ms, judge CPU ms, and the verdict."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    grade = grader.grade_workspace(task, rollout)
    wall, judge_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "wall_ms": wall * 1000,
        "cpu_ms": grade.stats.cpu_ms,
        "judge_cpu_ms": judge_cpu * 1000,
        "proxy": grade.proxy,
        "gold": grade.gold,
        "status": grade.status,
        "tamper": sorted({f.kind for f in grade.tamper_findings}),
    }


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def run(repeats: int) -> dict[str, Any]:
    tasks = shipped_tasks()
    items = [(r, tasks[r.task], r.load(tasks[r.task])) for r in shipped_rollouts()]
    load_start = os.getloadavg()
    hardened = WorkspaceHardenedGrader(workers=1)
    naive = WorkspaceNaiveGrader()
    collection_ms = {}
    for name, task in tasks.items():  # once per task, cached by the grader: reported apart
        started = time.perf_counter()
        hardened.plan(task)
        collection_ms[name] = (time.perf_counter() - started) * 1000
    for task in tasks.values():  # warm both paths (the zygote imports pytest once)
        warm = WorkspaceRollout("warm-up", dict(task.pristine))
        hardened.grade_workspace(task, warm)
        naive.grade_workspace(task, warm)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        r.id: {"hardened": [], "naive": []} for r, _, _ in items
    }
    suite_wall: dict[str, list[float]] = {"hardened": [], "naive": []}
    for repeat in range(repeats):
        order = [("hardened", hardened), ("naive", naive)]
        if repeat % 2:
            order.reverse()
        totals = {"hardened": 0.0, "naive": 0.0}
        for shipped, task, rollout in items:
            for label, grader in order:
                sample = timed(grader, task, rollout)
                samples[shipped.id][label].append(sample)
                totals[label] += sample["wall_ms"]
        for label, total in totals.items():
            suite_wall[label].append(total)
    mechanisms = {"hardened": hardened.mechanisms, "naive": naive.mechanisms}
    hardened.close()
    rows = []
    for shipped, _, _ in items:
        row: dict[str, Any] = {
            "rollout": shipped.id,
            "kind": shipped.kind,
            "category": shipped.category,
        }
        for label in ("hardened", "naive"):
            runs = samples[shipped.id][label]
            row[label] = {
                "wall_ms_median": median([s["wall_ms"] for s in runs]),
                "wall_ms_min": min(s["wall_ms"] for s in runs),
                "cpu_ms_median": median([s["cpu_ms"] for s in runs]),
                "judge_cpu_ms_median": median([s["judge_cpu_ms"] for s in runs]),
                "proxy": runs[-1]["proxy"],
                "gold": runs[-1]["gold"],
                "tamper": runs[-1]["tamper"],
                "same_verdict_every_repeat": len({(s["proxy"], s["gold"]) for s in runs}) == 1,
            }
        row["naive_over_hardened"] = (
            row["naive"]["wall_ms_median"] / row["hardened"]["wall_ms_median"]
        )
        rows.append(row)
    return {
        "meta": {
            "command": "python benchmarks/workspace.py " + f"--repeats {repeats}",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_commit": git_commit(),
            "src_sha256_16": src_digest(),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "cpus": os.cpu_count(),
            "repeats": repeats,
            "mechanisms": mechanisms,
            "loadavg_1_5_15_at_start": [round(x, 2) for x in load_start],
            "loadavg_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "pristine_collection_ms": collection_ms,
        "suite_wall_ms_median": {k: median(v) for k, v in suite_wall.items()},
        "per_rollout_wall_ms": {
            label: {
                "median_of_medians": median([r[label]["wall_ms_median"] for r in rows]),
                "mean_of_medians": statistics.fmean(r[label]["wall_ms_median"] for r in rows),
                "max_of_medians": max(r[label]["wall_ms_median"] for r in rows),
            }
            for label in ("hardened", "naive")
        },
        "rows": rows,
    }


def write_markdown(path: Path, res: dict[str, Any]) -> None:
    meta, per = res["meta"], res["per_rollout_wall_ms"]
    h, n = per["hardened"], per["naive"]
    lines = [
        "# Workspace grading cost: hardened vs naive, per rollout",
        "",
        f"Generated by `{meta['command']}` on {meta['when']} (commit `{meta['git_commit']}`, "
        f"src digest `{meta['src_sha256_16']}`, Python {meta['python']}, {meta['cpus']} CPUs, "
        f"kernel {meta['kernel']}). Load average at start {meta['loadavg_1_5_15_at_start']}, "
        f"at end {meta['loadavg_1_5_15_at_end']}: the machine is shared, so wall times are "
        "noisy; both graders were measured in the same run, interleaved.",
        "",
        f"Hardened sandbox: {', '.join(meta['mechanisms']['hardened'])}. Naive: "
        f"{', '.join(meta['mechanisms']['naive'])}.",
        "",
        f"Each of the {len(res['rows'])} shipped rollouts graded by both graders, one at a time, "
        f"{meta['repeats']} repeats; figures are medians. A grading is the visible run and the "
        "held-out run (each grader runs pytest twice per rollout).",
        "",
        "## Summary",
        "",
        "| | hardened | naive | naive / hardened |",
        "|---|---:|---:|---:|",
        f"| per rollout, median of medians (ms) | {h['median_of_medians']:.0f} | "
        f"{n['median_of_medians']:.0f} | {n['median_of_medians'] / h['median_of_medians']:.2f}x |",
        f"| per rollout, mean of medians (ms) | {h['mean_of_medians']:.0f} | "
        f"{n['mean_of_medians']:.0f} | {n['mean_of_medians'] / h['mean_of_medians']:.2f}x |",
        f"| per rollout, slowest median (ms) | {h['max_of_medians']:.0f} | "
        f"{n['max_of_medians']:.0f} | |",
        f"| whole suite, median of repeats (s) | "
        f"{res['suite_wall_ms_median']['hardened'] / 1000:.2f} | "
        f"{res['suite_wall_ms_median']['naive'] / 1000:.2f} | |",
        "",
        "Pristine collection (hardened, once per task, cached; not in the figures above): "
        + ", ".join(f"{k} {v:.0f} ms" for k, v in res["pristine_collection_ms"].items())
        + ".",
        "",
        "## Per rollout",
        "",
        "| rollout | kind | hardened ms | (CPU ms) | naive ms | (CPU ms) | naive / hardened "
        "| hardened proxy / gold | naive proxy / gold | hardened findings |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for row in res["rows"]:
        hr, nr = row["hardened"], row["naive"]
        lines.append(
            f"| {row['rollout']} | {row['kind']} | {hr['wall_ms_median']:.0f} | "
            f"{hr['cpu_ms_median']:.0f} | {nr['wall_ms_median']:.0f} | {nr['cpu_ms_median']:.0f} "
            f"| {row['naive_over_hardened']:.2f}x | {hr['proxy']:.2f} / {hr['gold']:.2f} | "
            f"{nr['proxy']:.2f} / {nr['gold']:.2f} | {', '.join(hr['tamper']) or '-'} |"
        )
    unstable = [
        r["rollout"]
        for r in res["rows"]
        if not (
            r["hardened"]["same_verdict_every_repeat"] and r["naive"]["same_verdict_every_repeat"]
        )
    ]
    lines += [
        "",
        "Verdicts identical in every repeat: "
        + ("yes" if not unstable else f"NO for {', '.join(unstable)}")
        + ".",
    ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    res = run(args.repeats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    write_markdown(args.out.with_suffix(".md"), res)
    per = res["per_rollout_wall_ms"]
    hardened, naive = per["hardened"]["median_of_medians"], per["naive"]["median_of_medians"]
    print(
        f"per rollout (median of medians): hardened {hardened:.0f} ms, naive {naive:.0f} ms "
        f"-> {args.out.with_suffix('.md')}"
    )


if __name__ == "__main__":
    main()
