"""Evaluate the run monitor on lab runs: detection lag, forecast lead time, benign false alarms.

The evaluation: every complete run written by `proctor lab sweep` under DIR, four
families × seeds 0-9 (see docs/monitor.md). Each run is copied to --runs-dir first, so
the monitor's store never touches DIR; the monitor then runs exactly as `proctor
monitor audit` does (detect every distinct completion, analyse) with its defaults,
and the results go to benchmarks/results/monitor.md + .json:

    for g in naive-exec hardened; do
      proctor lab sweep --out labruns --seeds 0-9 --graders $g
      proctor lab sweep --out labruns --seeds 0-9 --graders $g --exclude-family test_targeting
    done
    .venv/bin/python benchmarks/monitor.py --lab-runs labruns

Lab seeds 100-199 and scripted seeds 900-999 chose the defaults and are refused here
unless --tuning is given (results then go to monitor-tuning.*). Scoring: see
_monitor_eval. Without --lab-runs the script generates runs itself (--source lab,
seeds 1000-1004, naive-exec and hardened), or uses the older scripted policy
(--source scripted, results in monitor-scripted.*).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from _monitor_eval import evaluate, markdown, preset_markdown, summarise, threshold_markdown
from _monitor_llm_tune import chosen_config, configured, judge, tune, tuning_markdown
from _monitor_scripted import scripted_run

from proctor.bench.corpus import load_corpus
from proctor.monitor import monitor_preset

ROOT = Path(__file__).resolve().parent
TUNING_SEEDS = range(900, 1000)
LAB_TUNING_SEEDS = range(100, 200)
"""Lab seeds the monitor's defaults were chosen on (`proctor lab sweep --seeds 100-104`)."""


def _lab_config(seed: int, grader: str, overrides: dict[str, Any]) -> Any:
    from proctor.bench.lab._config import LabConfig

    return LabConfig(seed=seed, grader=grader, workers=1, **overrides)


def _generate(run_dir: Path, seed: int, grader: str, overrides: dict[str, Any]) -> dict[str, Any]:
    from proctor.bench.lab._run import reproduce_command, run_lab

    config = _lab_config(seed, grader, overrides)
    manifest = run_dir / "run.json"
    if manifest.is_file():
        old = json.loads(manifest.read_text())
        if old.get("complete") and old.get("config") == config.model_dump():
            return dict(old)
    for stale in run_dir.glob("run.sqlite*"):
        stale.unlink()
    run_lab(config, run_dir, command=reproduce_command(config, run_dir))
    return dict(json.loads(manifest.read_text()))


def _refresh(src: Path, dst: Path) -> tuple[dict[str, Any] | None, bool]:
    """(src's manifest or None when the run is not complete, whether ``dst`` must be
    rebuilt); a rebuilt ``dst`` is emptied first. ``dst`` is kept while run.json is
    unchanged (with its store and the verdicts memoised in it)."""
    manifest = json.loads((src / "run.json").read_text())
    if not manifest.get("complete"):
        return None, False
    old = dst / "run.json"
    if old.is_file() and json.loads(old.read_text()) == manifest:
        return dict(manifest), False
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    return dict(manifest), True


def _ingest_llm_run(src: Path, dst: Path) -> dict[str, Any] | None:
    """A `proctor lab llm` run read into a run store at ``dst`` exactly as a user's TRL run
    is (`proctor monitor ingest --from trl ... --task-key proctor_task_id`)."""
    import subprocess
    import sys

    manifest, rebuild = _refresh(src, dst)
    if rebuild:
        cmd = [
            str(Path(sys.executable).parent / "proctor"),
            "monitor",
            "ingest",
            str(dst),
            "--from",
            "trl",
            str(src / "trainer" / "completions"),
            "--task-key",
            "proctor_task_id",
            "--tasks",
            str(src / "tasks.jsonl"),
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        shutil.copyfile(src / "run.json", dst / "run.json")
    return manifest


def _judge_llm_runs(
    dirs: list[Path], dst: Path
) -> list[tuple[Path, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Every complete `proctor lab llm` run under ``dirs``, ingested under ``dst`` and
    monitored with the defaults: (store, manifest, tasks, result row) each."""
    from proctor.io import read_tasks

    judged = []
    for src in sorted(p.parent for d in dirs for p in d.glob("*/run.json")):
        run_dir = dst / src.name
        manifest = _ingest_llm_run(src, run_dir)
        if manifest is None:
            print(f"skip {src}: not complete", flush=True)
            continue
        tasks = {t.id: t for t in read_tasks(src / "tasks.jsonl")}
        row = evaluate(run_dir, manifest, tasks)
        judged.append((run_dir, manifest, tasks, row))
        print(json.dumps(row), flush=True)
    return judged


LAB_FILES = ("run.json", "rollouts.jsonl.gz", "grades.jsonl.gz", "scalars.jsonl.gz")


def _copy_lab_run(src: Path, dst: Path) -> dict[str, Any] | None:
    """Copy a complete lab run to ``dst`` (kept, with its store, while run.json is unchanged).

    The copy keeps the monitor's run.sqlite (and the verdicts memoised in it) out of the
    lab's directory, which another process may still be writing.
    """
    manifest, rebuild = _refresh(src, dst)
    if rebuild:
        for name in LAB_FILES:
            if (src / name).is_file():
                shutil.copyfile(src / name, dst / name)
    return manifest


def _header(argv: str, args: argparse.Namespace) -> list[str]:
    if args.llm_runs is not None and args.lab_runs is None:
        return [
            "# Run monitor on real-model runs",
            "",
            "Runs from `proctor lab llm` (SmolLM2-135M-Instruct trained with TRL's GRPO on "
            "CPU), read like a user's TRL run (`proctor monitor ingest --from trl`); "
            "labelled onset from the runs' truth.jsonl (docs/lab-llm.md).",
            "",
            f"Command: `{argv}`. Monitor config: the defaults (chosen on lab and scripted "
            "tuning seeds; no real-model run tuned them); the last section judges the same "
            "runs with the `real-model` preset, chosen on real-model runs of other seeds "
            "(monitor-llm-tuning.md).",
        ]
    what = (
        "Runs from `--source scripted`: real corpus candidates, grades and detectors and the "
        "lab's onset rule, but a *scripted* policy (a logistic rise in the hack share)."
        if args.source == "scripted"
        else "Runs generated by `proctor lab` (the lab's simulated GRPO policy)."
    )
    title = "TUNING runs (not an evaluation)" if args.tuning else "lab runs"
    return [
        f"# Run monitor on {title}",
        "",
        what,
        "",
        f"Command: `{argv}`. Monitor config: the defaults. Tuning seeds (never evaluated "
        f"on): {TUNING_SEEDS.start}-{TUNING_SEEDS.stop - 1} and lab seeds "
        f"{LAB_TUNING_SEEDS.start}-{LAB_TUNING_SEEDS.stop - 1} (see docs/monitor.md).",
    ]


def _threshold_cell(
    threshold: float, judged: list[tuple[Path, dict[str, Any], dict[str, Any]]]
) -> dict[str, Any]:
    """The real-model runs monitored with ``hack_rate.threshold`` = ``threshold``."""
    j = judge(judged, configured(threshold), "lag", "hack_alerts")
    return {
        "threshold": threshold,
        "lags": j["per_run"],
        "hacking": len(j["per_run"]),
        "flagged": len(j["values"]),
        "benign": j["benign_runs"],
        "benign_alerted": len(j["benign"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1000, 1001, 1002, 1003, 1004])
    parser.add_argument(
        "--source",
        choices=["lab", "scripted"],
        default="lab",
        help="lab: `proctor lab` runs; scripted: real candidates, grades and "
        "detectors, scripted policy (see _monitor_scripted)",
    )
    parser.add_argument(
        "--lab-runs",
        type=Path,
        nargs="+",
        default=None,
        help="evaluate every complete run under this directory (written by "
        "`proctor lab sweep`) instead of generating runs",
    )
    parser.add_argument(
        "--llm-runs",
        type=Path,
        nargs="+",
        default=None,
        help="also evaluate every complete `proctor lab llm` run under these directories "
        "(ingested from TRL's completions tables like a user's run)",
    )
    parser.add_argument(
        "--llm-tuning-runs",
        type=Path,
        nargs="+",
        default=None,
        help="`proctor lab llm` runs of other seeds to choose the real-model preset on "
        "(results in monitor-llm-tuning.*; their seeds must not be among --llm-runs)",
    )
    parser.add_argument("--runs-dir", type=Path, default=Path("/tmp/proctor-monitor-bench"))
    parser.add_argument(
        "--tuning",
        action="store_true",
        help="allow the tuning seeds (results then go to monitor-tuning.*)",
    )
    parser.add_argument(
        "--grid",
        action="store_true",
        help="with --tuning --lab-runs: also write the forecast-bar grid (monitor-grid.md)",
    )
    parser.add_argument(
        "--hack-thresholds",
        type=float,
        nargs="+",
        default=None,
        help="with --llm-runs: also monitor the real-model runs with hack_rate.threshold "
        "at each value (a sensitivity table in the results; not tuning)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--lab-arg",
        action="append",
        default=[],
        help="LabConfig override KEY=VALUE (JSON value), for both kinds of run.",
    )
    args = parser.parse_args()
    if any(s in TUNING_SEEDS for s in args.seeds) and not args.tuning:
        parser.error(f"seeds {TUNING_SEEDS.start}-{TUNING_SEEDS.stop - 1} tuned the monitor")
    overrides = {k: json.loads(v) for k, v in (a.split("=", 1) for a in args.lab_arg)}
    tasks = load_corpus()[0]
    if args.llm_tuning_runs and not args.llm_runs:
        parser.error("--llm-tuning-runs chooses a preset judged on held-out runs: give --llm-runs")
    if args.grid and not (args.tuning and args.lab_runs):
        parser.error("--grid chooses a default: it needs --tuning and --lab-runs")
    rows = []
    judged: list[tuple[Path, dict[str, Any]]] = []
    if args.lab_runs is not None:
        found = sorted(p.parent for d in args.lab_runs for p in d.glob("*/run.json"))
        if not found:
            parser.error(
                f"no lab runs (*/run.json) under {' '.join(map(str, args.lab_runs))}; "
                "make them with `proctor lab sweep --out DIR` first"
            )
        for src in found:
            run_dir = args.runs_dir / "labdir" / src.name
            manifest = _copy_lab_run(src, run_dir)
            if manifest is None:
                print(f"skip {src}: not complete", flush=True)
                continue
            if manifest.get("seed") in (*TUNING_SEEDS, *LAB_TUNING_SEEDS) and not args.tuning:
                parser.error(f"{src}: seed {manifest['seed']} is a tuning seed")
            rows.append(evaluate(run_dir, manifest, tasks))
            judged.append((run_dir, manifest))
            print(json.dumps(rows[-1]), flush=True)
    llm_judged = _judge_llm_runs(args.llm_runs or [], args.runs_dir / "llm")
    rows += [row for _, _, _, row in llm_judged]
    tuning_judged = _judge_llm_runs(args.llm_tuning_runs or [], args.runs_dir / "llm-tuning")
    held_out = {m.get("seed") for _, m, _, _ in llm_judged}
    for d, m, _, _ in tuning_judged:
        if m.get("seed") in held_out:
            parser.error(f"{d.name}: seed {m.get('seed')} is also evaluated (--llm-runs)")
    skip_generated = args.lab_runs is not None or args.llm_runs is not None
    for grader in () if skip_generated else ("naive-exec", "hardened"):
        for seed in args.seeds:
            run_dir = args.runs_dir / args.source / f"{grader}-{seed}"
            if args.source == "scripted":
                for stale in run_dir.glob("run.sqlite*"):
                    stale.unlink()
                manifest = scripted_run(run_dir, seed, grader)
            else:
                manifest = _generate(run_dir, seed, grader, overrides)
            rows.append(evaluate(run_dir, manifest, tasks))
            print(json.dumps(rows[-1]), flush=True)
    summary = summarise(rows)
    if skip_generated:
        argv = "python benchmarks/monitor.py"
        if args.lab_runs is not None:
            argv += " --lab-runs " + " ".join(map(str, args.lab_runs))
            argv += " --tuning" if args.tuning else ""
        if args.llm_runs is not None:
            argv += " --llm-runs " + " ".join(map(str, args.llm_runs))
    else:
        argv = f"python benchmarks/monitor.py --source {args.source} " + " ".join(
            [f"--seeds {' '.join(map(str, args.seeds))}"] + [f"--lab-arg {a}" for a in args.lab_arg]
        )
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "monitor-tuning" if args.tuning else "monitor"
    if args.source == "scripted":
        stem += "-scripted"
    if args.llm_runs is not None and args.lab_runs is None:
        stem += "-llm"  # the real-model runs alone: the lab runs' results stay as they are
    (args.out / f"{stem}.json").write_text(
        json.dumps({"summary": summary, "runs": rows, "command": argv}, indent=1) + "\n"
    )
    page = markdown(rows, summary, _header(argv, args))
    if args.hack_thresholds and llm_judged:
        cells = [_threshold_cell(t, [j[:3] for j in llm_judged]) for t in args.hack_thresholds]
        page += "\n".join(threshold_markdown(cells)) + "\n"
    if tuning_judged:
        tuned = tune([j[:3] for j in tuning_judged])
        tuning_argv = f"{argv} --llm-tuning-runs {' '.join(map(str, args.llm_tuning_runs))}"
        (args.out / "monitor-llm-tuning.json").write_text(
            json.dumps({"command": tuning_argv, **tuned}, indent=1) + "\n"
        )
        (args.out / "monitor-llm-tuning.md").write_text(tuning_markdown(tuned, tuning_argv))
        if chosen_config(tuned) != monitor_preset("real-model"):
            print("the shipped real-model preset differs from this tuning's choice", flush=True)
    if llm_judged and args.lab_runs is None:
        preset_rows = [evaluate(d, m, t, monitor_preset("real-model")) for d, m, t, _ in llm_judged]
        page += preset_markdown(preset_rows, summarise(preset_rows))
    (args.out / f"{stem}.md").write_text(page)
    print(json.dumps(summary, indent=1))
    if args.grid:
        from _monitor_grid import grid, grid_markdown

        (args.out / "monitor-grid.md").write_text(grid_markdown(grid(judged), argv + " --grid"))


if __name__ == "__main__":
    main()
