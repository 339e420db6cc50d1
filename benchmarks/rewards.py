#!/usr/bin/env python
"""What the optional static detection costs inside ``CodeReward``, per rollout.

Scores the shipped demo suite's rollouts (proctor.bench.demo) as one batch with
``CodeReward(detect=False)`` and ``CodeReward(detect=True)`` (2 workers), after one
warm-up batch each, alternating the two per repeat. Reports median batch time,
per-rollout time and the difference. A benchmark, not a test.

Run::

    .venv/bin/python benchmarks/rewards.py [--repeats 5]

Writes ``benchmarks/results/rewards.json`` and ``rewards.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

from proctor.bench.demo import ROLLOUTS, TASKS
from proctor.io import read_rollouts
from proctor.rewards import CodeReward

RESULTS = Path(__file__).resolve().parent / "results"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rollouts = read_rollouts(ROLLOUTS)
    completions = [r.code or r.completion for r in rollouts]
    task_ids = [r.task_id for r in rollouts]
    times: dict[str, list[float]] = {"off": [], "on": []}
    with (
        CodeReward(TASKS, workers=2, detect=False) as plain,
        CodeReward(TASKS, workers=2, detect=True) as detecting,
    ):
        rewards = {"off": plain, "on": detecting}
        for reward in rewards.values():
            reward.score_batch(completions, task_ids)  # warm-up: zygotes, expected outputs
        for repeat in range(args.repeats):
            order = ("off", "on") if repeat % 2 == 0 else ("on", "off")
            for name in order:
                started = time.perf_counter()
                rewards[name].score_batch(completions, task_ids)
                times[name].append(time.perf_counter() - started)
    n = len(rollouts)
    off, on = (statistics.median(times[k]) * 1000 for k in ("off", "on"))
    result = {
        "rollouts": n,
        "repeats": args.repeats,
        "workers": 2,
        "commit": _commit(),
        "load_average": list(os.getloadavg()),
        "batch_ms": {"detect_off": round(off, 1), "detect_on": round(on, 1)},
        "per_rollout_ms": {
            "detect_off": round(off / n, 2),
            "detect_on": round(on / n, 2),
            "detection": round((on - off) / n, 2),
        },
        "ratio_on_vs_off": round(on / off, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rewards.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "rewards.md").write_text(
        "# CodeReward: cost of the optional static detection\n\n"
        f"`python benchmarks/rewards.py --repeats {args.repeats}` (commit {result['commit']}, "
        f"load average {[round(x, 2) for x in result['load_average']]}): the {n} demo "
        "rollouts scored as one batch, 2 workers, medians after a warm-up batch.\n\n"
        "| detect | batch ms | per rollout ms |\n|---|---:|---:|\n"
        f"| off | {off:.1f} | {off / n:.2f} |\n| on (static, special_casing) | {on:.1f} | "
        f"{on / n:.2f} |\n\nDetection adds {(on - off) / n:.2f} ms per rollout "
        f"({on / off:.2f}x the batch without it).\n"
    )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
