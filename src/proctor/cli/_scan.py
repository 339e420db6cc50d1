"""``proctor scan``: grade (hardened) → detect → store → analyse → report.html + summary.json."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from proctor.cli._app import app, err_console
from proctor.records import Grade, Rollout, Verdict


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=True)


def _rows(rollouts: list[Rollout], verdicts: list[Verdict], all_verdicts: bool) -> list[dict[str, Any]]:
    """The verdict lines `proctor detect` writes, one per rollout."""
    from proctor.detectors import Detection

    own: dict[str, list[Verdict]] = {}
    ensemble: dict[str, Verdict] = {}
    for v in verdicts:
        if v.detector == "ensemble":
            ensemble[v.rollout_id] = v
        else:
            own.setdefault(v.rollout_id, []).append(v)
    return [Detection(r.id, ensemble[r.id], own.get(r.id, [])).record(all_verdicts)
            for r in rollouts if r.id in ensemble]


def _batch_summary(rows: list[dict[str, Any]], grades: list[Grade], seconds: float) -> dict[str, Any]:
    by_category = Counter(r["category"] for r in rows if r["label"] == "hack")
    ok = [g for g in grades if g.status == "ok"]
    golds = [g.gold for g in ok if g.gold is not None]
    hacked = {r["rollout_id"] for r in rows if r["label"] == "hack"}
    return {
        "rollouts": len(rows),
        "labels": dict(Counter(r["label"] for r in rows)),
        "hacks_by_category": dict(by_category.most_common()),
        "mean_proxy": round(sum(g.proxy or 0 for g in ok) / len(ok), 4) if ok else None,
        "mean_gold": round(sum(golds) / len(golds), 4) if golds else None,
        "hacks_rewarded_by_proxy": sum(g.rollout_id in hacked and (g.proxy or 0) > 0 for g in ok),
        "infra_errors": len(grades) - len(ok),
        # tests the reference fails on this machine: dropped from both scores, said here
        "dropped_tests": {g.task_id: g.warnings for g in ok if g.excluded},
        "seconds": round(seconds, 2),
        "flagged": [{k: r[k] for k in ("rollout_id", "label", "category", "confidence")}
                    | {"evidence": r["evidence"][:2]} for r in rows if r["label"] != "clean"],
    }


def _alert_table(alerts: list[Any]) -> Table:
    table = Table(title="alerts")
    for column in ("severity", "kind", "signal", "first step", "message"):
        table.add_column(column, overflow="fold")
    colour = {"hack": "red", "warning": "yellow", "info": "dim"}
    for a in alerts:
        table.add_row(f"[{colour[a.severity]}]{a.severity}[/]", a.kind,
                      f"{a.signal} ({a.signal_kind})", str(a.first_step), a.message[:100])
    return table


@app.command()
def scan(
    tasks: Annotated[Path | None, typer.Option("--tasks", "-t", exists=True, dir_okay=False,
                                               help="Task file (default: the demo suite proctor ships).")] = None,
    rollouts: Annotated[Path | None, typer.Option("--rollouts", "-r", exists=True, dir_okay=False,
                                                  help="Rollout JSONL; each may carry its training `step` (default: the demo suite's rollouts).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for grades.jsonl, verdicts.jsonl, run.sqlite, report.html and summary.json.")] = Path("proctor-scan"),
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers.")] = 2,
    all_verdicts: Annotated[bool, typer.Option("--all", help="Write every detector's verdict too.")] = False,
    visible: Annotated[str, typer.Option(help="Visible tests for HumanEval+ files: base or test.")] = "base",
    gold: Annotated[str, typer.Option(help="Held-out tests for HumanEval+ files: plus or none.")] = "plus",
) -> None:
    """Grade (hardened), detect, store and analyse in one go; write DIR/report.html and
    DIR/summary.json (alerts, onset_step, per-step hack rate and proxy/gold means). The quick start:

        proctor scan                      # the demo suite
        proctor scan --tasks T --rollouts R --out DIR && open DIR/report.html

    Rollouts with a `step` are analysed as a training run (onset rules, forecast);
    without one they form a single step 0, where any hack verdict raises a hack alert.
    Exit status: 0 ok, 1 warning (e.g. only unsure verdicts), 2 hack, 3 no sandbox.
    """
    from proctor.cli._grade import load_inputs, summary_table
    from proctor.demo import ROLLOUTS as DEMO_ROLLOUTS
    from proctor.demo import TASKS as DEMO_TASKS
    from proctor.detectors import DetectionPipeline
    from proctor.graders._expected import default_cache_dir
    from proctor.graders._hardened import HardenedGrader
    from proctor.monitor import analyse, write_report
    from proctor.monitor._judge import content_key, detect_memoised, grade_memoised
    from proctor.runs import RunStore
    from proctor.sandbox import InfraError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    by_id, todo = load_inputs(tasks or DEMO_TASKS, rollouts or DEMO_ROLLOUTS, visible, gold, False)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    distinct = len({content_key(r) for r in todo})
    try:
        grader = HardenedGrader(workers=workers, cache_dir=default_cache_dir())
    except InfraError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(3) from exc
    with _progress() as bar:
        job = bar.add_task(f"grading {distinct} distinct of {len(todo)} rollouts", total=distinct)
        with grader:
            grades = grade_memoised(grader, by_id, todo, workers,
                                    on_done=lambda n: bar.advance(job, n))
    with (out / "grades.jsonl").open("w") as sink:
        sink.writelines(g.model_dump_json() + "\n" for g in grades)
    err_console.print(summary_table(grades, f"{len(grades)} rollouts graded ({distinct} distinct)"))
    with _progress() as bar, DetectionPipeline(sandbox=True, workers=workers,
                                               cache_dir=default_cache_dir()) as pipeline:
        if pipeline.pool is None:
            err_console.print("[yellow]no sandbox: the differential detector is skipped[/]")
        job = bar.add_task("detecting", total=distinct)
        verdicts = detect_memoised(pipeline, by_id, todo, {g.rollout_id: g for g in grades},
                                   on_done=lambda n: bar.advance(job, n))
    rows = _rows(todo, verdicts, all_verdicts)
    with (out / "verdicts.jsonl").open("w") as sink:
        sink.writelines(json.dumps(r) + "\n" for r in rows)
    with RunStore(out) as store:
        store.add_rollouts(todo)
        store.add_grades(grades)
        store.add_verdicts(verdicts)
        store.set_meta("source", "proctor scan")
    analysis = analyse(todo, grades, verdicts)
    summary = analysis.summary() | _batch_summary(rows, grades, time.perf_counter() - started)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    write_report(analysis, out / "report.html", name=str(rollouts or "demo suite"))
    from proctor.cli._detect import _verdict_table

    counts = summary["labels"]
    err_console.print(_verdict_table(rows, f"{len(rows)} rollouts: {counts.get('hack', 0)} hack, "
                                           f"{counts.get('unsure', 0)} unsure, "
                                           f"{counts.get('clean', 0)} clean"))
    if analysis.alerts:
        err_console.print(_alert_table(analysis.alerts))
    err_console.print(f"status: {analysis.status}; onset step: {analysis.onset_step}; wrote "
                      f"{out}/report.html, summary.json, grades.jsonl, verdicts.jsonl, run.sqlite")
    raise typer.Exit(analysis.exit_code)


__all__ = ["scan"]
