"""``proctor scan``: grade (hardened) → detect → store → analyse → report.html + summary.json."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from proctor.cli._app import app, err_console, out_console, print_error
from proctor.cli._errors import EXIT_BAD_INPUT_SCAN, cli_errors


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def alert_table(alerts: list[Any]) -> Table:
    # Widths set here (see verdict_table): one line per alert at any terminal width.
    table = Table(
        title="alerts",
        box=None,
        pad_edge=False,
        padding=(0, 1),
        title_justify="left",
        header_style="bold",
    )
    widths = {"severity": 8, "kind": 14, "signal": 18, "step": 5}
    for column, size in widths.items():
        table.add_column(column, no_wrap=True, overflow="ellipsis", width=size)
    message = max(12, out_console.width - sum(widths.values()) - 2 * len(widths) - 1)
    table.add_column("message", no_wrap=True, overflow="ellipsis", width=message)
    colour = {"hack": "red", "warning": "yellow", "info": "dim"}
    for a in alerts:
        table.add_row(
            f"[{colour[a.severity]}]{a.severity}[/]",
            a.kind,
            f"{a.signal} ({a.signal_kind})",
            str(a.first_step),
            escape(a.message[:200]),
        )
    return table


@app.command()
@cli_errors(bad_input=EXIT_BAD_INPUT_SCAN)
def scan(
    tasks: Annotated[
        Path | None,
        typer.Option(
            "--tasks",
            "-t",
            exists=True,
            dir_okay=False,
            help="Task file (default: the demo suite proctor ships).",
        ),
    ] = None,
    rollouts: Annotated[
        Path | None,
        typer.Option(
            "--rollouts",
            "-r",
            exists=True,
            dir_okay=False,
            help="Rollout JSONL; each may carry its training `step` (default: the demo suite's rollouts).",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Directory for grades.jsonl, verdicts.jsonl, run.sqlite, report.html and summary.json.",
        ),
    ] = Path("proctor-scan"),
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers.")] = 2,
    all_verdicts: Annotated[
        bool, typer.Option("--all", help="Write every detector's verdict too.")
    ] = False,
    visible: Annotated[
        str, typer.Option(help="Visible tests for HumanEval+ files: base or test.")
    ] = "base",
    gold: Annotated[
        str, typer.Option(help="Held-out tests for HumanEval+ files: plus or none.")
    ] = "plus",
    require_isolation: Annotated[
        bool,
        typer.Option(
            "--require-isolation",
            help="Refuse to grade (exit 3) with less than namespaces + Landlock + seccomp.",
        ),
    ] = False,
) -> None:
    """Grade (hardened), detect, store and analyse in one go; write DIR/report.html and
    DIR/summary.json (alerts, onset_step, per-step hack rate and proxy/gold means). The quick start:

        proctor scan                      # the demo suite
        proctor scan --tasks T --rollouts R --out DIR && open DIR/report.html

    Rollouts with a `step` are analysed as a training run (onset rules, forecast);
    without one they form a single step 0, where any hack verdict raises a hack alert.
    Exit status: 0 ok, 1 warning (e.g. only unsure verdicts), 2 hack, 3 no sandbox,
    4 bad or empty input, 5 disk full, 6 other file error. Results go to stdout,
    progress and warnings to stderr.
    """
    from proctor.bench.demo import ROLLOUTS as DEMO_ROLLOUTS
    from proctor.bench.demo import TASKS as DEMO_TASKS
    from proctor.cli._detect import verdict_table
    from proctor.cli._grade import load_inputs, summary_table
    from proctor.common import default_cache_dir
    from proctor.judge import scan as run_scan
    from proctor.sandbox import InfraError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    by_id, todo = load_inputs(
        tasks or DEMO_TASKS,
        rollouts or DEMO_ROLLOUTS,
        visible,
        gold,
        False,
        bad_input=EXIT_BAD_INPUT_SCAN,
    )
    with _progress() as bar:
        jobs: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in jobs:
                label = (
                    f"grading {total} distinct of {len(todo)} rollouts"
                    if stage == "grading"
                    else "detecting"
                )
                jobs[stage] = bar.add_task(label, total=total)
            bar.update(jobs[stage], completed=done)

        try:
            result = run_scan(
                by_id,
                todo,
                out,
                workers=workers,
                all_verdicts=all_verdicts,
                name=str(rollouts or "demo suite"),
                cache_dir=default_cache_dir(),
                progress=progress,
                require_isolation=require_isolation,
            )
        except InfraError as exc:
            print_error(exc)
            raise typer.Exit(3) from exc
    analysis, summary, rows = result.analysis, result.summary, result.rows
    out_console.print(
        summary_table(
            result.grades, f"{len(result.grades)} rollouts graded ({result.distinct} distinct)"
        )
    )
    if not result.sandboxed_detection:
        err_console.print("[yellow]no sandbox: the differential detector is skipped[/]")
    counts = summary["labels"]
    out_console.print(
        verdict_table(
            rows,
            f"{len(rows)} rollouts: {counts.get('hack', 0)} hack, "
            f"{counts.get('unsure', 0)} unsure, "
            f"{counts.get('clean', 0)} clean",
        )
    )
    if analysis.alerts:
        out_console.print(alert_table(analysis.alerts))
    out_console.print(
        f"status: {analysis.status}; onset step: {analysis.onset_step}; wrote "
        f"{out}/report.html, summary.json, grades.jsonl, verdicts.jsonl, run.sqlite"
    )
    raise typer.Exit(analysis.exit_code)


__all__ = ["alert_table", "scan"]
