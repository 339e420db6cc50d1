"""``proctor monitor ingest`` and ``proctor monitor watch``: fill a run store from trainer logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from proctor.cli._app import err_console, out_console, print_error
from proctor.cli._errors import cli_errors
from proctor.cli._monitor import monitor_app
from proctor.io import RecordError
from proctor.runs import Ingestor, IngestReport, RunStore, StoreError, watch


class SourceChoice(StrEnum):
    """What wrote the files (``--from``)."""

    proctor = "proctor"
    trl = "trl"
    verl = "verl"
    lab = "lab"


RunDirArg = Annotated[
    Path,
    typer.Argument(
        help="Run directory: the store is RUN_DIR/run.sqlite (created if absent).", file_okay=False
    ),
]
SourceOpt = Annotated[
    SourceChoice,
    typer.Option(
        "--from",
        help="What wrote the files: [bold]proctor[/] rollout/grade/verdict/scalar JSONL; "
        "[bold]trl[/] completions_*.parquet (log_completions=True); [bold]verl[/] "
        "rollout_data_dir/{step}.jsonl and the `file` logger's JSONL; [bold]lab[/] a "
        "`proctor lab` run directory.",
        case_sensitive=False,
    ),
]
TasksOpt = Annotated[
    Path | None,
    typer.Option(
        "--tasks",
        "-t",
        help="Task file: maps each trl/verl prompt to its task id.",
        exists=True,
        dir_okay=False,
    ),
]
TaskKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--task-key",
        help="trl/verl: the column (log_extra) or reward-extra key holding the task "
        "id; wins over --tasks.",
    ),
]
RewardsOpt = Annotated[
    str | None,
    typer.Option(
        "--reward-columns",
        help="trl: comma-separated reward columns summed into `reward` "
        "(default: every numeric column but step and advantage).",
    ),
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Leave out bad lines (listed at the end) instead of stopping."
    ),
]
SyncOpt = Annotated[
    bool,
    typer.Option(
        "--fsync/--no-fsync",
        help="fsync every commit (durable against power loss; the default) "
        "or only survive a killed process (faster on slow disks).",
    ),
]


def _ingestor(
    store: RunStore,
    source: SourceChoice,
    tasks: Path | None,
    task_key: str | None,
    reward_columns: str | None,
    skip_invalid: bool,
    progress: Progress | None,
) -> Ingestor:
    task_list = None
    if tasks is not None:
        from proctor.io import read_tasks

        task_list = read_tasks(tasks)
    columns = (
        None
        if reward_columns is None
        else [c.strip() for c in reward_columns.split(",") if c.strip()]
    )
    bar = None if progress is None else progress.add_task("ingesting", total=None)

    def advance(count: int) -> None:
        if progress is not None and bar is not None:
            progress.advance(bar, count)

    return Ingestor(
        store,
        source.value,
        tasks=task_list,
        task_key=task_key,
        reward_columns=columns,
        skip_invalid=skip_invalid,
        warn=lambda m: print_error(m, label="warning", style="yellow"),
        on_records=advance,
    )


@contextmanager
def _errors_exit(store_dir: Path) -> Iterator[None]:
    """Turn the errors a user can fix into one line and exit code 2 (file errors and a
    full disk: `cli_errors`)."""
    try:
        yield
    except RecordError as exc:
        print_error(
            f"{exc} (fix it, or pass --skip-invalid; rows committed before it are "
            "kept and a re-run resumes after them)"
            if exc.line is not None
            else exc
        )
        raise typer.Exit(2) from exc
    except StoreError as exc:
        print_error(exc)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        print_error(f"{store_dir}: {exc}")
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} records"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _summary(store: RunStore, report: IngestReport, title: str) -> None:
    counts = store.counts()
    table = Table(title=title, title_justify="left")
    table.add_column("table")
    table.add_column("new", justify="right")
    table.add_column("in store", justify="right")
    for name in ("rollouts", "grades", "verdicts", "scalars"):
        table.add_row(name, f"{report.new[name]:,}", f"{counts[name]:,}")
    table.add_row("steps", "", f"{counts['steps']:,}")
    out_console.print(table)
    out_console.print(
        f"{report.read:,} records read from {report.files} file(s) into {store.path}",
        highlight=False,
    )
    if report.duplicates:
        print_error(
            f"{report.duplicates} rollout(s) had an id already in the store and were "
            "left out (the first one is kept)",
            label="warning",
            style="yellow",
        )
    for err in report.skipped[:10]:
        print_error(err, label="skipped", style="yellow")
    if report.skipped:
        err_console.print(f"[yellow]{len(report.skipped)} invalid line(s) skipped[/]")


@monitor_app.command()
@cli_errors(bad_input=2)
def ingest(
    run_dir: RunDirArg,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or directories to read (directories are searched by --from's layout)."
        ),
    ],
    source: SourceOpt = SourceChoice.proctor,
    tasks: TasksOpt = None,
    task_key: TaskKeyOpt = None,
    reward_columns: RewardsOpt = None,
    skip_invalid: SkipOpt = False,
    fsync: SyncOpt = True,
) -> None:
    """Read a trainer's logs into the run store RUN_DIR/run.sqlite.

    Idempotent and resumable: a re-run skips what is already stored. A torn last
    line (a crashed writer) is skipped with a warning; a bad line elsewhere stops
    the ingest at file:line unless --skip-invalid.

    Example: [bold]proctor monitor ingest runs/r1 --from verl ckpt/rollout_data
    metrics.jsonl --tasks tasks.jsonl[/]
    """
    with _errors_exit(run_dir), RunStore(run_dir, sync="full" if fsync else "normal") as store:
        with _progress() as progress:
            ingestor = _ingestor(
                store, source, tasks, task_key, reward_columns, skip_invalid, progress
            )
            report = ingestor.run(paths, final=True)
        _summary(store, report, f"ingested ({source.value})")


@monitor_app.command("watch")
@cli_errors(bad_input=2)
def watch_command(
    run_dir: RunDirArg,
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or directories the trainer writes to (they may not exist yet)."),
    ],
    source: SourceOpt = SourceChoice.proctor,
    tasks: TasksOpt = None,
    task_key: TaskKeyOpt = None,
    reward_columns: RewardsOpt = None,
    skip_invalid: SkipOpt = False,
    fsync: SyncOpt = True,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between polls.")
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.0, help="Stop after this many seconds.")
    ] = None,
) -> None:
    """Follow a running trainer: ingest new files and appended lines as they appear.

    Polls every --interval seconds; a line still being written waits for the next
    poll. Stop with Ctrl-C: what was stored stays, and a restarted watch resumes
    where this one stopped, without duplicates.

    Example: [bold]proctor monitor watch runs/r1 --from trl out/completions --tasks
    tasks.jsonl[/]
    """
    with _errors_exit(run_dir), RunStore(run_dir, sync="full" if fsync else "normal") as store:
        ingestor = _ingestor(store, source, tasks, task_key, reward_columns, skip_invalid, None)
        err_console.print(
            f"watching {', '.join(map(str, paths))} every {interval:g}s (Ctrl-C to stop)",
            highlight=False,
        )

        seen = [0]

        def poll_line(report: IngestReport) -> None:
            if report.read > seen[0]:  # only when a poll found something
                seen[0] = report.read
                err_console.print(
                    f"  {report.read:,} records read, "
                    f"{report.new['rollouts']:,} new rollouts so far",
                    highlight=False,
                )

        try:
            report = watch(
                ingestor, paths, interval=interval, once=once, timeout=timeout, on_poll=poll_line
            )
        except KeyboardInterrupt:
            report = ingestor.report
            err_console.print("stopped.")
        _summary(store, report, f"watched ({source.value})")
