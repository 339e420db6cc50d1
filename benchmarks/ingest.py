"""Run-store ingestion throughput: 100k rollouts from JSONL into a fresh store.

    .venv/bin/python benchmarks/ingest.py [--rollouts 100000] [--repeats 3]

Measured in one run, interleaved per repeat, each into a fresh run directory:

- ``json.loads`` of every line: the parse floor, no store at all;
- plain ``sqlite3`` ``executemany`` of the same lines (id, step, task, the JSON
  text) in one WAL transaction: the storage floor, no validation;
- ``proctor monitor ingest``'s path (`Ingestor` + `RunStore`), with ``fsync`` on
  every commit (the default) and without (``--no-fsync``).

Reports medians of the repeats in rollouts/s and ratios to the baselines; writes
benchmarks/results/ingest.md and ingest.json. The target is ≥ 5,000 rollouts/s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from proctor.runs import Ingestor, RunStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET = 5000.0

_BODY = [
    "    if not {a}:\n        return []\n",
    "    result = []\n    for item in {a}:\n        if item % 2 == 0:\n"
    "            result.append(item)\n",
    "    total = sum(x * x for x in {a})\n",
    "    seen = set()\n    for x in {a}:\n        if x in seen:\n            return True\n"
    "        seen.add(x)\n",
    "    # keep the order stable for ties\n    {a} = sorted({a}, key=lambda p: (p[1], p[0]))\n",
]


def _code(rng: random.Random) -> str:
    """A plausible solution of 300–800 characters."""
    name, arg = f"solve_{rng.randrange(10_000)}", rng.choice(["nums", "items", "values", "xs"])
    target = rng.randint(300, 800)
    code = f'def {name}({arg}):\n    """Return what the task asks for."""\n'
    while len(code) < target - 20:
        code += rng.choice(_BODY).format(a=arg)
    return (code + "    return " + arg + "\n")[:target]


def write_rollouts(path: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` synthetic proctor rollouts (64 per step, groups of 8); return bytes."""
    rng = random.Random(seed)
    with path.open("w") as f:
        for i in range(n):
            step, task = i // 64, f"HumanEval/{(i // 8) % 164}"
            f.write(
                json.dumps(
                    {
                        "id": f"r{i}",
                        "task_id": task,
                        "code": _code(rng),
                        "step": step,
                        "group": f"s{step}/{task}",
                        "reward": float(rng.random() < 0.6),
                        "meta": {"candidate": f"c{rng.randrange(500)}"},
                    }
                )
                + "\n"
            )
    return path.stat().st_size


def parse_only(src: Path, _: Path) -> int:
    with src.open("rb") as f:
        return sum(1 for line in f if json.loads(line))


def plain_sqlite(src: Path, run: Path) -> int:
    run.mkdir()
    conn = sqlite3.connect(run / "plain.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE rollouts (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, step INTEGER, "
        "task_id TEXT, json TEXT)"
    )
    with src.open("rb") as f:
        rows = []
        for line in f:
            row = json.loads(line)
            rows.append((row["id"], row["step"], row["task_id"], line.decode()))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO rollouts (id, step, task_id, json) VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return len(rows)


def proctor_ingest(sync: str) -> Callable[[Path, Path], int]:
    def run_it(src: Path, run: Path) -> int:
        with RunStore(run, sync=sync) as store:  # type: ignore[arg-type]
            report = Ingestor(store, "proctor").run([src])
        return report.new["rollouts"]

    return run_it


def _git() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _src_digest() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "src").rglob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rollouts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    methods: dict[str, Callable[[Path, Path], int]] = {
        "json.loads only (parse floor)": parse_only,
        "plain sqlite3 executemany (storage floor)": plain_sqlite,
        "proctor ingest, fsync every commit (default)": proctor_ingest("full"),
        "proctor ingest, --no-fsync": proctor_ingest("normal"),
    }
    load_start = os.getloadavg()
    times: dict[str, list[float]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory(prefix="proctor-ingest-bench-") as tmp:
        src = Path(tmp) / "rollouts.jsonl"
        size = write_rollouts(src, args.rollouts)
        print(f"{args.rollouts:,} rollouts, {size / 2**20:.1f} MiB", file=sys.stderr)
        for repeat in range(args.repeats):
            for name, fn in methods.items():
                run = Path(tmp) / f"run-{repeat}-{abs(hash(name))}"
                t0 = time.perf_counter()
                count = fn(src, run)
                elapsed = time.perf_counter() - t0
                if count != args.rollouts:
                    raise SystemExit(f"{name}: stored {count}, expected {args.rollouts}")
                times[name].append(elapsed)
                print(
                    f"  repeat {repeat + 1} {name}: {args.rollouts / elapsed:,.0f}/s",
                    file=sys.stderr,
                )
    load_end = os.getloadavg()
    medians = {m: statistics.median(t) for m, t in times.items()}
    rates = {m: args.rollouts / s for m, s in medians.items()}
    default = "proctor ingest, fsync every commit (default)"
    result = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git(),
        "src_digest": _src_digest(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_start": load_start,
        "load_end": load_end,
        "rollouts": args.rollouts,
        "bytes": size,
        "repeats": args.repeats,
        "seconds": times,
        "median_seconds": medians,
        "rollouts_per_s": rates,
        "target_rollouts_per_s": TARGET,
        "meets_target": rates[default] >= TARGET,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Run-store ingestion throughput",
        "",
        f"Generated by `python benchmarks/ingest.py --rollouts {args.rollouts} --repeats "
        f"{args.repeats}` on {result['generated']} (commit `{result['commit']}`, src digest "
        f"`{result['src_digest']}`, Python {result['python']}, {result['cpus']} CPUs). Load "
        f"average at start {[round(x, 2) for x in load_start]}, at end "
        f"{[round(x, 2) for x in load_end]}: the machine is shared, so times are noisy; all "
        "methods ran in the same run, interleaved per repeat, each into a fresh directory.",
        "",
        f"Input: {args.rollouts:,} synthetic proctor rollouts (code 300–800 characters, 64 per "
        f"step), one JSONL file of {size / 2**20:.1f} MiB. Figures are medians of "
        f"{args.repeats} repeats.",
        "",
        "| method | median s | rollouts/s | vs proctor default |",
        "|---|---:|---:|---:|",
    ]
    for m in methods:
        lines.append(
            f"| {m} | {medians[m]:.2f} | {rates[m]:,.0f} | {rates[m] / rates[default]:.2f}x |"
        )
    verdict = "meets" if result["meets_target"] else "MISSES"
    lines += [
        "",
        f"Target ≥ {TARGET:,.0f} rollouts/s: the default path (validation of every record, "
        f"exact JSON kept, fsync per 2,000-record commit) {verdict} it at "
        f"{rates[default]:,.0f} rollouts/s ({rates[default] / TARGET:.1f}x the target).",
        "",
    ]
    (RESULTS / "ingest.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
