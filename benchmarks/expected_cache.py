#!/usr/bin/env python
"""What loading the expected-output cache costs per run, before and after the change.

A grading process builds each task's plan from the on-disk expected-output cache.
After (this checkout, format 3): a plan is built from each suite's small head (valid
tests, the reference's time on each, one digest per value); the values file beside
it is read only when an answer differs and must be judged, and nothing is written on
a hit. Before (``--before``, default ``301a0ef``, format 2): each entry held every
value's codec text, all read, and every expected line hashed, to build a plan. (The
first version of this benchmark compared format 2 with format 1, which decoded every
value and rewrote the entry on every hit: ``--before 01a5f3d``.)

Each measured run is a fresh process that builds the plans of all HumanEval+ tasks
(base + plus suites) from a warm cache: its CPU seconds (user + sys, this process
only: no sandbox work happens on a hit), bytes it wrote (``/proc/self/io`` wchar),
and its resident memory afterwards. The before code runs from ``git archive`` of
``--before`` in the same run, on its own copy of the cache (in its format); the after
code on a copy converted once (the conversion run is reported, not counted in the
medians).

Run::

    .venv/bin/python benchmarks/expected_cache.py [--repeats 3] [--data PATH]

Writes ``benchmarks/results/expected-cache.md|json``. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEFORE = "301a0ef"  # the last commit whose plans read every value's text (format 2)
DATA = [
    REPO.parent / "shared/data/humanevalplus/HumanEvalPlus.jsonl.gz",
    Path("/work/shared/data/humanevalplus/HumanEvalPlus.jsonl.gz"),
]

PROBE = r"""
import json, os, resource, sys, time
from pathlib import Path
from proctor.graders._hardened import HardenedGrader
from proctor.rewards._tasks import load_tasks

def wchar():
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0

def rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

tasks = load_tasks(Path(sys.argv[1]))
grader = HardenedGrader(workers=2, cache_dir=Path(sys.argv[2]))
base_rss = rss_kb()
before = resource.getrusage(resource.RUSAGE_SELF)
written = wchar()
wall = time.perf_counter()
for task in tasks.values():
    grader.wall_budget(task)  # builds the task's plan from the cache
wall = time.perf_counter() - wall
after = resource.getrusage(resource.RUSAGE_SELF)
out = {"cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
       "written_bytes": wchar() - written, "wall_s": wall, "tasks": len(tasks),
       "rss_growth_mib": (rss_kb() - base_rss) / 1024}
grader.close()
print("RESULT " + json.dumps(out))
"""


def _run(src: Path, data: Path, cache: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(data), str(cache)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the probe failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT ") :])  # type: ignore[no-any-return]


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="git revision of the old cache code")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results")
    args = parser.parse_args()
    data = args.data or next((p for p in DATA if p.exists()), None)
    if data is None or not data.exists():
        raise SystemExit(
            "HumanEval+ not found (../shared/data/humanevalplus/"
            "HumanEvalPlus.jsonl.gz next to the repository, or --data PATH)"
        )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="proctor-cache-bench-") as tmp:
        root = Path(tmp)
        old_src = root / "before"
        old_src.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.before, "src"], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old_src)], input=archive, check=True)
        old_src, new_src = old_src / "src", REPO / "src"
        old_cache, new_cache = root / "cache-before", root / "cache-after"
        print("computing the expected outputs once (the reference runs, sandboxed)...")
        populate = _run(old_src, data, old_cache)
        shutil.copytree(old_cache, new_cache)
        cache_mib = sum(p.stat().st_size for p in old_cache.iterdir()) / 2**20
        before_runs, after_runs = [], []
        conversion = _run(new_src, data, new_cache)  # to this checkout's format, once
        for repeat in range(args.repeats):
            before_runs.append(_run(old_src, data, old_cache))
            after_runs.append(_run(new_src, data, new_cache))
            print(f"repeat {repeat + 1}: before {before_runs[-1]}, after {after_runs[-1]}")
        new_mib = sum(p.stat().st_size for p in new_cache.iterdir()) / 2**20
    keys = ("cpu_s", "written_bytes", "wall_s", "rss_growth_mib")
    result = {
        "commit": commit,
        "before": args.before,
        "data": str(data),
        "repeats": args.repeats,
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "cache_mib_before": cache_mib,
        "cache_mib_after": new_mib,
        "populate": populate,
        "conversion": conversion,
        "before_median": {k: _median(before_runs, k) for k in keys},
        "after_median": {k: _median(after_runs, k) for k in keys},
        "before_runs": before_runs,
        "after_runs": after_runs,
    }
    b, a = result["before_median"], result["after_median"]
    mib = 2**20
    md = [
        "# Expected-output cache: cost per grading run (HumanEval+, warm cache)",
        "",
        f"`.venv/bin/python benchmarks/expected_cache.py --repeats {args.repeats}` "
        f"(commit {commit}, before = `{args.before}`, {os.cpu_count()} CPUs shared, "
        f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}).",
        "",
        f"One fresh process builds the plans of all {populate['tasks']} tasks (base + plus "
        "suites) from a warm on-disk cache; medians of "
        f"{args.repeats}, before and after interleaved in the same run.",
        "",
        "| | before | after | ratio |",
        "|---|---:|---:|---:|",
        f"| CPU seconds (this process) | {b['cpu_s']:.2f} | {a['cpu_s']:.2f} | "
        f"{a['cpu_s'] / b['cpu_s']:.2f}× |",
        f"| bytes written | {b['written_bytes'] / mib:.1f} MiB | "
        f"{a['written_bytes'] / mib:.2f} MiB | — |",
        f"| wall seconds | {b['wall_s']:.2f} | {a['wall_s']:.2f} | "
        f"{a['wall_s'] / b['wall_s']:.2f}× |",
        f"| memory held after (RSS growth) | {b['rss_growth_mib']:.0f} MiB | "
        f"{a['rss_growth_mib']:.0f} MiB | "
        f"{a['rss_growth_mib'] / max(b['rss_growth_mib'], 1):.2f}× |",
        "",
        f"Cache on disk: {cache_mib:.0f} MiB before, {new_mib:.0f} MiB after (a head and a "
        f"values file per suite). The one-off conversion run wrote "
        f"{conversion['written_bytes'] / mib:.0f} MiB in {conversion['cpu_s']:.1f} CPU s.",
        "",
        "Memory after is what the grading process holds once every plan is built: before, "
        "every value's codec text; after, one digest per test (the texts stay on disk "
        "until an answer differs). Only the cache load is measured here, not grading (a "
        "correct answer is matched by digest in both versions; a value is decoded only "
        "to judge an answer that differs).",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "expected-cache.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "expected-cache.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
