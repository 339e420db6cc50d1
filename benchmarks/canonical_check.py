"""All 164 HumanEval+ canonical solutions through the hardened grader, per compare mode.

Every canonical solution must get proxy 1 and gold 1; tests the reference fails on
this machine are dropped and listed (never silently). Writes
benchmarks/results/canonical-check.json.

    python benchmarks/canonical_check.py [--data PATH] [--workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

from proctor.graders._hardened import HardenedGrader
from proctor.io import read_tasks
from proctor.records import Rollout

_DATA = (
    Path(os.environ.get("PROCTOR_SHARED_DATA", "/work/shared/data"))
    / "humanevalplus"
    / "HumanEvalPlus.jsonl.gz"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", default="strict,evalplus")
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"HumanEval+ not found at {args.data} (pass --data)")
    tasks = {t.id: t for t in read_tasks(args.data)}
    code = {
        row["task_id"]: row["prompt"] + row["canonical_solution"]
        for row in map(json.loads, gzip.open(args.data, "rt"))
    }
    results: dict[str, object] = {}
    for mode in args.modes.split(","):
        started = time.perf_counter()
        with HardenedGrader(workers=args.workers, compare=mode) as grader:  # type: ignore[arg-type]
            pairs = [
                (t, Rollout(id=f"canonical:{i}", task_id=i, code=code[i])) for i, t in tasks.items()
            ]
            grades = list(grader.grade_many(pairs, workers=args.workers))
        bad = [g.task_id for g in grades if (g.status, g.proxy, g.gold) != ("ok", 1.0, 1.0)]
        results[mode] = {
            "tasks": len(grades),
            "proxy_and_gold_one": len(grades) - len(bad),
            "not_one": bad,
            "dropped": {g.task_id: g.warnings for g in grades if g.excluded},
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(mode, json.dumps(results[mode]))
    out = Path(__file__).parent / "results" / "canonical-check.json"
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
