#!/usr/bin/env python
"""What the clean template and the bounded judge cost: HumanEval+ before vs after.

Two figures, written to ``benchmarks/results/isolation_cost.{json,md}``:

1. **Grading throughput, before vs after.** The hardened grader of a base commit
   (default: the commit before the clean-template work) and of this checkout
   grade the 164 canonical HumanEval+ solutions on every base + plus test, with
   ``HardenedGrader(workers=2).grade_many(..., workers=2)``. Each version runs in
   its own process (``--worker``) importing its own ``src``; runs alternate
   old/new per repeat; expected outputs come from one shared disk cache filled
   before timing, and every task's plan is built before the clock starts.
   Reported: median wall seconds per version and their ratio.
2. **The judge's CPU on the worst results the caps allow** (this checkout): the
   thread CPU time (``resource.getrusage(RUSAGE_THREAD)``) `decode_records`
   spends on a line at the element cap, on sets with the most same-hash members
   the decoder accepts, and on a 64 MiB body (the default output cap) of records.

Run::

    .venv/bin/python benchmarks/isolation_cost.py [--repeats 3] [--base COMMIT]

Nothing asserts on wall time; this is a benchmark.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/data/humanevalplus/HumanEvalPlus.jsonl.gz"
FALLBACK_DATA = Path("/work/shared/data/humanevalplus/HumanEvalPlus.jsonl.gz")
DEFAULT_BASE = "01a5f3d"


def _worker(src: str, data: str, cache: str, limit: int | None) -> None:
    """One timed pass of one version (runs in its own process)."""
    sys.path.insert(0, src)
    from proctor.graders import HardenedGrader
    from proctor.records import Rollout, Task, TestSuite

    with gzip.open(data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()][:limit]
    pairs = []
    for r in rows:
        task = Task(
            id=r["task_id"],
            prompt=r["prompt"],
            entry_point=r["entry_point"],
            reference=r["prompt"] + r["canonical_solution"],
            visible=TestSuite(kind="io", inputs=r["base_input"]),
            heldout=TestSuite(kind="io", inputs=r["plus_input"]),
            atol=r["atol"],
            oracle="poly_root" if r["task_id"] == "HumanEval/32" else "equal",
        )
        code = r["prompt"] + r["canonical_solution"]
        pairs.append((task, Rollout(id=f"c:{task.id}", task_id=task.id, code=code)))
    with HardenedGrader(workers=2, cache_dir=Path(cache)) as grader:
        for task, _ in pairs:
            grader._plan(task)  # expected outputs and plans: not timed
        started = time.perf_counter()
        grades = list(grader.grade_many(pairs, workers=2))
        wall = time.perf_counter() - started
    passed = sum(g.visible_passed + g.heldout_passed for g in grades)
    total = sum(g.visible_total + g.heldout_total for g in grades)
    judge = [getattr(g.stats, "judge_cpu_ms", 0.0) for g in grades]
    print(
        json.dumps(
            {
                "wall_s": wall,
                "passed": passed,
                "total": total,
                "infra": sum(g.status != "ok" for g in grades),
                "judge_cpu_ms_median": statistics.median(judge),
                "judge_cpu_ms_max": max(judge),
                "sandbox": grades[0].sandbox,
            }
        )
    )


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def worst_case_judge() -> dict[str, float]:
    """Thread CPU seconds of decode_records on the worst inputs the caps let through."""
    from proctor.sandbox._pool import decode_records
    from proctor.sandbox.runtime import codec

    mersenne = (1 << 61) - 1
    cases: dict[str, bytes] = {}
    cap = codec.MAX_ELEMENTS - 8
    cases["one line at the element cap (ints)"] = b'{"i":0,"v":[%s]}' % b",".join(
        [b"123456789"] * cap
    )
    # 32 members per hash (the most accepted), as many as the element cap allows
    members = [k * mersenne + j for j in range(cap // 64) for k in range(1, 33)]
    cases["set with 32 members per hash, at the cap"] = (
        b'{"i":0,"v":%s}' % json.dumps({"$set": members}).encode()
    )
    cases["set with 33 members per hash (refused)"] = (
        b'{"i":0,"v":%s}'
        % json.dumps({"$set": [k * mersenne for k in range(1, cap // 2)]}).encode()
    )
    line = b"[" + b",".join([b'[1.5,"ab",{"$tuple":[1,2]}]'] * 2500) + b"]"
    n = (64 << 20) // (len(line) + 20)
    cases[f"64 MiB body: {n} records of nested values"] = b"\n".join(
        b'{"i":%d,"v":%s}' % (i, line) for i in range(n)
    )
    from proctor.graders._hardened import JUDGE_CPU_BUDGET_S

    out = {}
    for name, body in cases.items():
        count = body.count(b"\n") + 1
        for budget in (None, JUDGE_CPU_BUDGET_S):
            started = _cpu()
            decode_records(body, count, budget_s=budget)
            label = "unbudgeted" if budget is None else f"grader budget {budget:g} s"
            out[f"{name}; {label}"] = round(_cpu() - started, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default=DEFAULT_BASE, help="commit to compare against")
    parser.add_argument("--limit", type=int, default=None, help="first N tasks only")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/isolation_cost.json")
    parser.add_argument("--report-only", action="store_true", help="rebuild the .md from the .json")
    parser.add_argument(
        "--worker", nargs=3, metavar=("SRC", "DATA", "CACHE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        _worker(*args.worker, args.limit)
        return
    if args.report_only:
        write_markdown(json.loads(args.out.read_text()), args.out.with_suffix(".md"))
        return
    data = args.data or (DEFAULT_DATA if DEFAULT_DATA.exists() else FALLBACK_DATA)
    if not data.exists():
        sys.exit(f"isolation_cost.py: HumanEval+ not found at {data}; nothing was measured")
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.base, "src"], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        versions = {"before": str(old / "src"), "after": str(ROOT / "src")}
        cache = str(Path(tmp) / "cache")
        runs: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
        for repeat in range(args.repeats + 1):  # the first round fills the cache: not counted
            order = ["before", "after"] if repeat % 2 else ["after", "before"]
            for name in order:
                cmd = [sys.executable, __file__, "--worker", versions[name], str(data), cache]
                if args.limit:
                    cmd += ["--limit", str(args.limit)]
                env = {**os.environ, "PYTHONPATH": versions[name]}
                done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(name, repeat, result, flush=True)
                if repeat:
                    runs[name].append(result)
    med = {k: statistics.median(float(r["wall_s"]) for r in v) for k, v in runs.items()}  # type: ignore[arg-type]
    report = {
        "base": args.base,
        "repeats": args.repeats,
        "tasks": args.limit or 164,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, {platform.platform()}",
        "median_wall_s": med,
        "ratio_after_over_before": med["after"] / med["before"],
        "runs": runs,
        "worst_case_judge_cpu_s": worst_case_judge(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.out.with_suffix(".md"))


def write_markdown(report: dict, path: Path) -> None:  # type: ignore[type-arg]
    """The human-readable table (``--report-only`` rebuilds it from the JSON)."""
    runs, med = report["runs"], report["median_wall_s"]
    pairs = [
        round(float(a["wall_s"]) / float(b["wall_s"]), 3)
        for a, b in zip(runs["after"], runs["before"], strict=True)
    ]
    load = report.get("load_average")
    lines = [
        "# Isolation cost: HumanEval+ grading before vs after the clean template",
        "",
        "Command: `.venv/bin/python benchmarks/isolation_cost.py "
        f"--repeats {report['repeats']} --base {report['base']}`",
        f"Machine: {report['machine']} (shared; runs interleaved old/new"
        + (f"; load average {load} when it ended" if load else "")
        + ").",
        "After = clean template + per-job tmpfs + IPC seccomp rules + bounded decoding"
        " + test-isolation probe (one extra child per rollout).",
        "",
        "| version | median wall (s) | tests passed | infra errors |",
        "|---|---|---|---|",
    ]
    for name in ("before", "after"):
        last = runs[name][-1]
        lines.append(
            f"| {name} | {med[name]:.2f} | {last['passed']}/{last['total']} | {last['infra']} |"
        )
    lines += [
        "",
        f"Ratio of medians after/before: **{report['ratio_after_over_before']:.3f}**; "
        f"per round (after/before, same round): {pairs}",
        "",
        "## Judge CPU on the worst results the caps allow (thread CPU seconds)",
        "",
        "| input | judge CPU (s) |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in report["worst_case_judge_cpu_s"].items()]  # type: ignore[union-attr]
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
