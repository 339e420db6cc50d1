"""HumanEval+ grading throughput: this tree against an older proctor source tree.

Grades the canonical solutions of every second HumanEval+ task with the hardened
grader (2 workers), expected outputs computed first and not timed, alternating the
two versions for ``--rounds`` rounds (each run in its own interpreter). Writes
benchmarks/results/throughput-ab.json: per-run wall and judge CPU, medians, ratio.

    git archive <commit> src | tar -x -C /var/tmp/old
    python benchmarks/throughput_ab.py --old-src /var/tmp/old/src [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_RUN = r"""
import gzip, json, sys, time, resource
from proctor.graders._hardened import HardenedGrader
from proctor.io import read_tasks
from proctor.records import Rollout
data = sys.argv[1]
tasks = {t.id: t for t in read_tasks(data)}
code = {r["task_id"]: r["prompt"] + r["canonical_solution"]
        for r in map(json.loads, gzip.open(data, "rt"))}
ids = sorted(tasks)[::2]
with HardenedGrader(workers=2) as g:
    for i in ids:
        g._plan(tasks[i])
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
    pairs = [(tasks[i], Rollout(id=i, task_id=i, code=code[i])) for i in ids]
    grades = list(g.grade_many(pairs, workers=2))
    wall = time.perf_counter() - t0
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
ok = sum((x.proxy, x.gold) == (1.0, 1.0) for x in grades)
print(json.dumps({"tasks": len(ids), "ok": ok, "wall_s": wall, "judge_cpu_s": cpu}))
"""
_DATA = (
    Path(os.environ.get("PROCTOR_SHARED_DATA", "/work/shared/data"))
    / "humanevalplus"
    / "HumanEvalPlus.jsonl.gz"
)


def _run(src: Path | None, data: Path) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(data)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old-src", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=_DATA)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        runs["old"].append(_run(args.old_src, args.data))
        runs["new"].append(_run(None, args.data))
    medians = {
        v: {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "judge_cpu_s")}
        for v, rs in runs.items()
    }
    result = {
        "runs": runs,
        "median": medians,
        "new_over_old_wall": round(medians["new"]["wall_s"] / medians["old"]["wall_s"], 3),
        "new_over_old_judge_cpu": round(
            medians["new"]["judge_cpu_s"] / medians["old"]["judge_cpu_s"], 3
        ),
    }
    print(json.dumps(result))
    out = Path(__file__).parent / "results" / "throughput-ab.json"
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
