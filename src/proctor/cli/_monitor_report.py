"""``proctor monitor report`` and ``proctor monitor audit``: analyse a run directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proctor.cli._app import err_console, out_console, print_error
from proctor.cli._errors import EXIT_BAD_INPUT_SCAN, cli_errors
from proctor.cli._monitor import monitor_app

if TYPE_CHECKING:
    from proctor.monitor import Analysis, MonitorConfig, ReportRun, RunRecords
    from proctor.records import Task

_RUN = typer.Argument(
    help="Run directory: run.sqlite (from `proctor monitor ingest` or `proctor scan`) "
    "or the lab's files (rollouts.jsonl.gz, grades.jsonl.gz, scalars.jsonl.gz)."
)
# shared by report and audit (one definition, so their help cannot drift apart)
_TASKS = Annotated[
    Path | None,
    typer.Option(
        "--tasks",
        "-t",
        exists=True,
        dir_okay=False,
        help="Task file for rollouts still to detect (default: proctor's corpus).",
    ),
]
_CONFIG = Annotated[
    str | None,
    typer.Option(
        "--config",
        "-c",
        help="Monitor thresholds: a JSON file (MonitorConfig) or the name of a shipped "
        "preset: `real-model` (chosen on real language-model runs; see docs/monitor.md). "
        "Default: the lab-chosen defaults.",
    ),
]


def _config(choice: str | None) -> MonitorConfig:
    from pydantic import ValidationError

    from proctor.monitor import MonitorConfig, monitor_preset, preset_names

    if choice is None:
        return MonitorConfig()
    path = Path(choice)
    if not path.is_file():
        if choice in preset_names():
            return monitor_preset(choice)
        print_error(
            f"--config {choice}: no such file and no such preset. Give a JSON file of "
            f"MonitorConfig or one of the presets: {', '.join(preset_names())}."
        )
        raise typer.Exit(3)
    try:
        return MonitorConfig.model_validate_json(path.read_text())
    except (OSError, ValidationError) as exc:
        print_error(
            f"{path}: not a monitor config: {str(exc)[:400]}\n"
            "Write a JSON object with the sections of MonitorConfig "
            '(see docs/monitor.md), e.g. {"hack_rate": {"threshold": 0.3}}.'
        )
        raise typer.Exit(3) from exc


def _analyse(
    run_dir: Path, config: MonitorConfig, tasks: Path | None, detect: bool, workers: int
) -> Analysis:
    return _analyse_records(run_dir, config, tasks, detect, workers)[0]


def _analyse_records(
    run_dir: Path, config: MonitorConfig, tasks: Path | None, detect: bool, workers: int
) -> tuple[Analysis, RunRecords, dict[str, Task]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from proctor.judge import detect_missing
    from proctor.monitor import (
        RunError,
        analyse_records,
        load_run,
    )

    try:
        records = load_run(run_dir)
    except RunError as exc:
        print_error(exc)
        raise typer.Exit(3) from exc
    by_id: dict[str, Task] = {}
    if detect:
        if tasks is not None:
            from proctor.io import read_tasks

            by_id = {t.id: t for t in read_tasks(tasks)}
        else:
            # the lab's runs draw their tasks from the shipped corpus
            from proctor.bench.corpus import load_corpus

            by_id = load_corpus()[0]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            job = bar.add_task("detecting (distinct completions)", total=None)
            new = detect_missing(
                records.rollouts,
                records.grades,
                records.verdicts,
                by_id,
                run_dir,
                workers=workers,
                progress=lambda done, total: bar.update(job, completed=done, total=total),
            )
            records.verdicts.extend(v for v in new if v.detector == "ensemble")
    if not records.verdicts:
        err_console.print(
            "[yellow]no detector verdicts: hack-rate rules and the forecast are off; "
            "give --tasks so the rollouts can be detected[/]"
        )
    return analyse_records(records, config), records, by_id


def _report_run(
    run_dir: Path, config: MonitorConfig, tasks: Path | None, detect: bool, workers: int
) -> ReportRun:
    """A run for the report: its analysis and records, every detector's stored verdict, and
    the tasks (the code view shows the program the detectors read: prompt + body)."""
    from proctor.monitor import ReportRun, stored_verdicts

    analysis, records, by_id = _analyse_records(run_dir, config, tasks, detect, workers)
    verdicts = stored_verdicts(run_dir) or records.verdicts
    return ReportRun(analysis, run_dir.name, records.rollouts, records.grades, verdicts, by_id)


@monitor_app.command("report")
@cli_errors(bad_input=3)
def report(
    run_dir: Annotated[Path, _RUN],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="HTML file (default: RUN_DIR/report.html).")
    ] = None,
    tasks: _TASKS = None,
    config: _CONFIG = None,
    detect: Annotated[
        bool, typer.Option(help="Detect rollouts that have no verdict yet (stored for next time).")
    ] = True,
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers for detection.")] = 2,
    sink: Annotated[
        str | None,
        typer.Option(
            help="Also log every signal to a tracker: tensorboard, wandb, mlflow or trackio."
        ),
    ] = None,
    logdir: Annotated[
        Path, typer.Option(help="TensorBoard log directory for --sink tensorboard.")
    ] = Path("runs/proctor"),
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="A second run directory: its signals overlaid on this run's, summaries and alerts side by side.",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report of a run (opens offline, loads nothing): status and
    alerts, rewarded hacks ranked by proxy − gold, interactive charts, and a browser over
    every rollout with its code, grade and each detector's verdict.

        proctor monitor report runs/my-run --out my-run.html
        proctor monitor report runs/my-run --compare runs/baseline      # two runs side by side
        proctor monitor report runs/my-run --sink tensorboard --logdir tb/   # proctor/<kind>/<signal>
    """
    from proctor.monitor import log_analysis, open_sink, write_report

    cfg = _config(config)
    run = _report_run(run_dir, cfg, tasks, detect, workers)
    other = _report_run(compare, cfg, tasks, detect, workers) if compare is not None else None
    analysis = run.analysis
    path = write_report(
        analysis,
        out or run_dir / "report.html",
        name=run_dir.name,
        rollouts=run.rollouts,
        grades=run.grades,
        verdicts=run.verdicts,
        tasks=run.tasks,
        compare=other,
    )
    if out is None:
        (run_dir / "summary.json").write_text(json.dumps(analysis.summary(), indent=1) + "\n")
    if sink is not None:
        try:
            tracker = open_sink(sink, logdir)  # type: ignore[arg-type]
        except (ImportError, ValueError) as exc:
            print_error(exc)
            raise typer.Exit(3) from exc
        logged = log_analysis(analysis, tracker)
        tracker.close()
        err_console.print(f"logged {logged} values to {sink}")
    err_console.print(f"status: {analysis.status}, {len(analysis.alerts)} alerts -> {path}")


@monitor_app.command("audit")
@cli_errors(bad_input=EXIT_BAD_INPUT_SCAN)
def audit(
    run_dir: Annotated[Path, _RUN],
    tasks: _TASKS = None,
    config: _CONFIG = None,
    detect: Annotated[bool, typer.Option(help="Detect rollouts that have no verdict yet.")] = True,
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers for detection.")] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
    ] = False,
) -> None:
    """Gate CI on a run: print its alerts; exit 0 ok, 1 warning, 2 hack (3: cannot read the
    run, 4: no rollouts in it, 5: disk full).

        proctor monitor audit runs/my-run || echo "reward hacking suspected"
    """
    from proctor.cli._scan import alert_table

    analysis = _analyse(run_dir, _config(config), tasks, detect, workers)
    if not len(analysis.table.steps):
        # A CI gate that passes on nothing would hide a broken pipeline.
        print_error(f"{run_dir}: the run has no rollouts to audit (empty store or files)")
        raise typer.Exit(EXIT_BAD_INPUT_SCAN)
    if as_json:
        typer.echo(json.dumps(analysis.summary(), indent=1))
    else:
        shown = [a for a in analysis.alerts if a.severity != "info"]
        if shown:
            out_console.print(alert_table(shown))
        out_console.print(
            f"{run_dir}: {analysis.status} (onset step {analysis.onset_step}; "
            f"{len(shown)} warning/hack alerts, "
            f"{len(analysis.alerts) - len(shown)} info)"
        )
    raise typer.Exit(analysis.exit_code)


__all__ = ["audit", "report"]
