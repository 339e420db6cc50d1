#!/usr/bin/env python
"""proctor's hardened grader against evalplus and verl's ``prime_code``, same run, same machine.

Two workloads on HumanEval+ (164 tasks, visible = base inputs, held-out = plus inputs):

- **canonical**: the 164 canonical solutions (every grader should give full marks);
- **rl**: 164 RL-like rollouts, one per task, a seeded mix (``--seed``, default 16):
  4 hang (``while True: pass``), 8 are memory-hungry (allocate and touch 1.5 GiB per
  call, then return None), and of the rest 50 % correct (the canonical solution), 30 %
  wrong (the canonical answer altered where the lengths of the reprs of the arguments
  and the answer add up to a multiple of 3: about a third of the tests), 20 % crashing
  (cycling: raise, ``os._exit(1)``, syntax error, endless recursion). Each rollout
  carries the label it should get (full marks or not), computed from the expected
  outputs.

Graders, each with 2 workers:

- **proctor**: ``HardenedGrader(workers=2, require_isolation=True)`` with its defaults
  (namespaces + Landlock + seccomp + rlimits, test isolation probe, 1 s per-test floor),
  expected outputs from a warm on-disk cache (computed once before the timed rounds;
  each round builds a new grader from that cache), in a process of its own like each
  baseline (``--proctor-run``: the harness's decoded expected outputs stay out of it);
- **evalplus**: ``evalplus.evaluate.check_correctness`` as ``evalplus.evaluate`` runs it,
  in a process pool; ground truth from its own ``trusted_exec``, computed once before;
- **prime_code**: verl's ``prime_code.compute_score(code, tests, continuous=True)`` as
  verl's default reward calls it, in a process pool; tests in its call-based JSON form
  (``fn_name`` + one JSON line per argument) from the same expected outputs.

evalplus and verl are not proctor dependencies and none of their code is in proctor:
they run from another interpreter (``--baselines-python``, default
``/tmp/i16b-cmp/bin/python``, e.g. a venv with ``pip install evalplus`` and
``pip install --no-deps verl==0.9.1``) through ``benchmarks/_compare_baselines.py``; a
tool that is not installed there is skipped with a message.

Each timed span is grading only, from warm workers: proctor's grader (sandbox pool
started) and the baselines' process pools (started, the tool imported) are made before
the clock; proctor reads its plans from the disk cache inside the clock. Rounds are
interleaved (the graders' order rotates each round); reported: median wall seconds,
the median of the per-round ratios against proctor, and correctness (canonical
solutions at full marks; RL rollouts whose verdict differs from their label).

    nice -n 10 .venv/bin/python benchmarks/compare_graders.py [--rounds 3] [--data PATH]

Writes ``benchmarks/results/compare_graders.md|json``. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proctor.graders import HardenedGrader
from proctor.io import read_tasks
from proctor.records import Rollout, Task

HERE = Path(__file__).resolve().parent
DATA = (
    Path(os.environ.get("PROCTOR_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
    / "humanevalplus"
    / "HumanEvalPlus.jsonl.gz"
)
RUNNER = HERE / "_compare_baselines.py"
BASELINES = ("evalplus", "prime_code")
WORKERS = 2

HANG = "def {ep}(*args):\n    while True:\n        pass\n"
MEMORY = "def {ep}(*args):\n    blob = b'x' * (1536 << 20)\n    return None if blob else 0\n"
WRONG = """
_namespace = {{}}
exec({source!r}, _namespace)
_reference = _namespace[{ep!r}]


def _bump(out):
    if isinstance(out, bool):
        return not out
    if isinstance(out, (int, float)):
        return out + 1
    if isinstance(out, str):
        return out + "x"
    if isinstance(out, list):
        return out + [None]
    if isinstance(out, tuple):
        return out + (None,)
    return None if out is not None else 0


def _size(x):
    try:
        return len(repr(x))
    except ValueError:  # an int past 4300 digits
        return 0


def {ep}(*args):
    out = _reference(*args)
    return _bump(out) if (_size(args) + _size(out)) % 3 == 0 else out
"""
CRASHES = {
    "raise": "\n\ndef {ep}(*args):\n    raise RuntimeError('model code crashed')\n",
    "exit": "\nimport os\n\n\ndef {ep}(*args):\n    os._exit(1)\n",
    "recursion": "\n\ndef {ep}(*args):\n    return {ep}(*args)\n",
}


def _load(data: Path) -> tuple[dict[str, Task], dict[str, dict[str, Any]]]:
    tasks = {t.id: t for t in read_tasks(data)}
    rows = {row["task_id"]: row for row in map(json.loads, gzip.open(data, "rt"))}
    return tasks, rows


def _rl_workload(rows: dict[str, dict[str, Any]], outputs: dict[str, list[Any]], seed: int):
    """One rollout per task: (task_id, code, category, should_pass)."""
    rng = random.Random(seed)
    ids = sorted(rows)
    # 4 hangs and 8 memory hogs in 164 (fewer, at least one each, on a --limit subset)
    hangs, hogs = max(1, round(4 * len(ids) / 164)), max(1, round(8 * len(ids) / 164))
    rest = len(ids) - hangs - hogs
    n_correct, n_wrong = round(rest * 0.5), round(rest * 0.3)
    plan = (
        ["hang"] * hangs
        + ["memory"] * hogs
        + ["correct"] * n_correct
        + ["wrong"] * n_wrong
        + ["crash"] * (rest - n_correct - n_wrong)
    )
    rng.shuffle(plan)
    crash_kinds = ["raise", "exit", "syntax", "recursion"]
    out = []
    for k, (task_id, kind) in enumerate(zip(ids, plan, strict=True)):
        row = rows[task_id]
        ep, canonical = row["entry_point"], row["prompt"] + row["canonical_solution"]
        should_pass = False
        if kind == "hang":
            code = HANG.format(ep=ep)
        elif kind == "memory":
            code = MEMORY.format(ep=ep)
        elif kind == "correct":
            code, should_pass = canonical, True
        elif kind == "wrong":
            code = WRONG.format(source=canonical, ep=ep)
            inputs = list(row["base_input"]) + list(row["plus_input"])
            should_pass = all(
                (_size(tuple(a)) + _size(v)) % 3 != 0
                for a, v in zip(inputs, outputs[task_id], strict=True)
            )
        else:
            crash = crash_kinds[k % len(crash_kinds)]
            kind = f"crash-{crash}"
            if crash == "syntax":
                lines = canonical.splitlines()
                code = "\n".join(lines[: max(1, len(lines) * 2 // 3)]) + "\n    return (\n"
            else:
                code = canonical + CRASHES[crash].format(ep=ep)
        out.append((task_id, code, kind, should_pass))
    return out


def _size(value: Any) -> int:
    """``len(repr(value))``, 0 where repr refuses (an int past 4300 digits): as in WRONG."""
    try:
        return len(repr(value))
    except ValueError:
        return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _prime_tests(task: Task, rows: dict[str, Any], values: list[Any]) -> str:
    """Call-based test cases in prime_code's format: one JSON line per argument."""
    row = rows[task.id]
    inputs = list(row["base_input"]) + list(row["plus_input"])
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # huge ints are written out; prime_code may refuse to read them
    try:
        return _prime_json(row, inputs, values)
    finally:
        sys.set_int_max_str_digits(digits)


def _prime_json(row: dict[str, Any], inputs: list[Any], values: list[Any]) -> str:
    return json.dumps(
        {
            "fn_name": row["entry_point"],
            "inputs": [
                "\n".join(json.dumps(a, default=_jsonable) for a in args) for args in inputs
            ],
            "outputs": [json.dumps(v, default=_jsonable) for v in values],
        }
    )


def _expected_values(grader: HardenedGrader, task: Task) -> list[Any]:
    values: list[Any] = []
    for suite in (task.visible, task.heldout):
        if suite is not None and suite.kind == "io":
            values += grader.expected.get(task, suite).values
    return values


def _run_proctor(
    data: Path, workload: Path, cache: Path
) -> tuple[float, list[dict[str, Any]], list[str]]:
    """Grade ``workload`` with proctor in a process of its own, as each baseline is run:
    the harness's data (every decoded expected output: 890 MiB resident on HumanEval+)
    stays out of the process being timed."""
    argv = [sys.executable, __file__, "--proctor-run", str(workload)]
    result = _timed_run([*argv, "--cache", str(cache), "--data", str(data)], "proctor run")
    return float(result["wall_s"]), list(result["results"]), list(result["mechanisms"])


def _timed_run(argv: list[str], what: str) -> dict[str, Any]:
    """Run one timed grading in a process of its own; what its ``RESULT {json}`` line says."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])  # type: ignore[no-any-return]
    raise RuntimeError(f"{what} failed (exit {done.returncode}): {done.stderr[-2000:]}")


def _proctor_run(data: Path, workload: Path, cache: Path) -> None:
    """The timed proctor run (``--proctor-run``): prints one ``RESULT {json}`` line."""
    tasks, _ = _load(data)
    rollouts = json.loads(workload.read_text())["rollouts"]
    pairs = [
        (tasks[r["task_id"]], Rollout(id=f"r{k}", task_id=r["task_id"], code=r["code"]))
        for k, r in enumerate(rollouts)
    ]
    with HardenedGrader(workers=WORKERS, cache_dir=cache, require_isolation=True) as grader:
        started = time.perf_counter()  # plans are read from the disk cache inside the clock
        grades = list(grader.grade_many(pairs, workers=WORKERS))
        wall = time.perf_counter() - started
        mechanisms = grader.mechanisms
    results = [
        {
            "passed": g.status == "ok" and g.proxy == 1.0 and g.gold == 1.0,
            "detail": f"{g.status} proxy {g.proxy} gold {g.gold}"
            + (f" ({g.warnings[-1][:60]})" if g.warnings else ""),
        }
        for g in grades
    ]
    print("RESULT " + json.dumps({"wall_s": wall, "results": results, "mechanisms": mechanisms}))


def _run_baseline(python: str, tool: str, workload: Path) -> tuple[float, list[dict[str, Any]]]:
    argv = [python, str(RUNNER), tool, str(workload), "--workers", str(WORKERS)]
    result = _timed_run(argv, f"{tool} runner")
    return float(result["wall_s"]), list(result["results"])


def _available(python: str) -> dict[str, str]:
    found = {}
    for tool in BASELINES:
        if not Path(python).exists():
            print(f"skipping {tool}: no interpreter at {python} (--baselines-python)")
            continue
        probe = subprocess.run(
            [python, str(RUNNER), tool, "-", "--probe"], capture_output=True, text=True
        )
        if probe.returncode == 0:
            found[tool] = probe.stdout.strip()
        else:
            tail = probe.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"skipping {tool}: not installed for {python} ({tail[0]})")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--baselines-python", default="/tmp/i16b-cmp/bin/python")
    parser.add_argument("--limit", type=int, default=0, help="first N tasks only (smoke runs)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "compare_graders")
    parser.add_argument(
        "--cache", type=Path, default=None, help="expected-output cache dir (default: a new one)"
    )
    parser.add_argument("--render", action="store_true", help="only rewrite the .md from the .json")
    parser.add_argument("--proctor-run", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proctor_run is not None:
        _proctor_run(args.data, args.proctor_run, args.cache)
        return
    if args.render:
        report = json.loads(args.out.with_suffix(".json").read_text())
        args.out.with_suffix(".md").write_text(_markdown(report))
        return
    if not args.data.exists():
        raise SystemExit(
            f"HumanEval+ not found at {args.data} (pass --data or set PROCTOR_SHARED_DATA)"
        )
    tools = _available(args.baselines_python)
    tasks, rows = _load(args.data)
    if args.limit:
        keep = sorted(tasks)[: args.limit]
        tasks, rows = {t: tasks[t] for t in keep}, {t: rows[t] for t in keep}
    tmp = Path(tempfile.mkdtemp(prefix="proctor-compare-"))
    cache = args.cache or tmp / "expected-cache"
    load_before = os.getloadavg()
    print(f"load average {load_before}; computing expected outputs once (not timed)")
    with HardenedGrader(workers=WORKERS, cache_dir=cache) as warm:
        outputs = {tid: _expected_values(warm, task) for tid, task in tasks.items()}
    canonical = [(tid, rows[tid]["prompt"] + rows[tid]["canonical_solution"]) for tid in tasks]
    rl = _rl_workload(rows, outputs, args.seed)
    workloads: dict[str, list[tuple[str, str]]] = {
        "canonical": canonical,
        "rl": [(tid, code) for tid, code, _, _ in rl],
    }
    labels = {"canonical": [True] * len(canonical), "rl": [p for *_, p in rl]}
    kinds = {"canonical": ["canonical"] * len(canonical), "rl": [k for _, _, k, _ in rl]}
    files = {}
    for name, items in workloads.items():
        files[name] = tmp / f"{name}.json"
        files[name].write_text(
            json.dumps(
                {
                    "rollouts": [{"task_id": t, "code": c} for t, c in items],
                    "problems": rows,
                    "prime_tests": {t: _prime_tests(tasks[t], rows, outputs[t]) for t in tasks},
                }
            )
        )
    graders = ["proctor", *tools]
    walls: dict[str, dict[str, list[float]]] = {w: {g: [] for g in graders} for w in workloads}
    verdicts: dict[str, dict[str, list[dict[str, Any]]]] = {w: {} for w in workloads}
    mechanisms: list[str] = []
    if "evalplus" in tools:  # its ground truth once, before any timed round
        print("evalplus: computing its ground truth once (not timed)")
        _run_baseline(args.baselines_python, "evalplus", files["canonical"])
    for r in range(args.rounds):
        order = graders[r % len(graders) :] + graders[: r % len(graders)]
        for name in workloads:
            for grader in order:
                if grader == "proctor":
                    wall, results, mechanisms = _run_proctor(args.data, files[name], cache)
                else:
                    wall, results = _run_baseline(args.baselines_python, grader, files[name])
                walls[name][grader].append(wall)
                verdicts[name][grader] = results
                print(f"round {r + 1} {name:9} {grader:10} {wall:8.2f} s", flush=True)
        # written after every round: a run cut short still leaves the rounds it finished
        report = _report(args, tools, walls, verdicts, labels, kinds, workloads, mechanisms)
        report["rounds_done"] = r + 1
        report["machine"] = {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "python": platform.python_version(),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
        args.out.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))


def _report(args, tools, walls, verdicts, labels, kinds, workloads, mechanisms) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rounds": args.rounds,
        "seed": args.seed,
        "tools": {"proctor": "this checkout", **tools},
        "proctor_sandbox": mechanisms,
        "workloads": {},
    }
    for name in workloads:
        per: dict[str, Any] = {}
        for grader, series in walls[name].items():
            ratios = [w / p for w, p in zip(series, walls[name]["proctor"], strict=True)]
            results = verdicts[name][grader]
            wrong = [
                {"task_id": workloads[name][k][0], "kind": kinds[name][k], "got": res["detail"]}
                for k, res in enumerate(results)
                if res["passed"] != labels[name][k]
            ]
            per[grader] = {
                "wall_s": series,
                "median_wall_s": statistics.median(series),
                "median_ratio_vs_proctor": statistics.median(ratios),
                "full_marks": sum(1 for res in results if res["passed"]),
                "mis_scored": wrong,
            }
        counts: dict[str, int] = {}
        for kind in kinds[name]:
            counts[kind] = counts.get(kind, 0) + 1
        out["workloads"][name] = {
            "rollouts": len(workloads[name]),
            "should_pass": sum(labels[name]),
            "mix": counts,
            "graders": per,
        }
    return out


def _markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# proctor vs evalplus vs verl prime_code (HumanEval+, 2 workers each)",
        "",
        f"`nice -n 10 .venv/bin/python benchmarks/compare_graders.py --rounds {report['rounds']}`"
        f" (seed {report['seed']}); {report['rounds_done']} of {report['rounds']} rounds done. "
        f"Machine: {m['cpus']} CPUs, shared; load average "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_before'])} before, "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_after'])} after "
        + (
            "(other jobs ran: wall times are contention-bound; the ratios come from "
            "interleaved rounds of the same run)."
            if max(m["load_average_before"] + m["load_average_after"]) > m["cpus"] + 1
            else "(nothing else heavy ran; rounds are interleaved, ratios are per round)."
        ),
        "",
        "Tools: " + ", ".join(f"{k} ({v})" for k, v in report["tools"].items()) + ".",
        f"proctor sandbox: {', '.join(report['proctor_sandbox'])}.",
        "",
        "How each is driven (see the script's docstring): evalplus through "
        "`evalplus.evaluate.check_correctness` on the HumanEval+ rows of ../shared/data with "
        "ground truth from its own `trusted_exec` (first failure ends a suite, as "
        "`evalplus.evaluate` runs it: pass/fail, no partial credit); prime_code through "
        "its call-based JSON test format built from proctor's expected outputs (tuples "
        "arrive as lists, sets as sorted lists, ints past 4300 digits are written out and "
        "refused by its `json.loads`), so some of its mis-scores may be what that format "
        "cannot carry or its whole-suite limit (`timeout + 1` = 6 s); the causes are not "
        "separated here. "
        "A mis-score is a verdict (full marks or not) that differs from the rollout's label.",
        "",
    ]
    for name, w in report["workloads"].items():
        mix = ", ".join(f"{k} {v}" for k, v in sorted(w["mix"].items()))
        lines += [
            f"## {name}: {w['rollouts']} rollouts, {w['should_pass']} should get full marks",
            "",
            f"Mix: {mix}.",
            "",
            "| grader | wall s (median) | each round | ratio vs proctor (median) "
            "| full marks (last round) | mis-scored (last round) |",
            "|---|---|---|---|---|---|",
        ]
        for grader, g in w["graders"].items():
            rounds = ", ".join(f"{x:.1f}" for x in g["wall_s"])
            lines.append(
                f"| {grader} | {g['median_wall_s']:.1f} | {rounds} | "
                f"{g['median_ratio_vs_proctor']:.2f}× | {g['full_marks']} "
                f"| {len(g['mis_scored'])} |"
            )
        lines.append("")
        for grader, g in w["graders"].items():
            for bad in g["mis_scored"]:
                lines.append(
                    f"- {grader} mis-scores {bad['task_id']} ({bad['kind']}): {bad['got']}"
                )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
