"""``proctor grade``: grade rollouts against tasks and write one JSON line per rollout."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from proctor.cli._app import app, err_console, out_console, print_error
from proctor.cli._errors import cli_errors
from proctor.cli._grade_options import (
    GraderOption,
    IsolationOption,
    JsonOption,
    OutOption,
    PerTestOption,
    TaskDirOption,
    TranscriptOption,
    WorkersOption,
    WorkspaceOption,
)
from proctor.cli._inflight import InFlight, SlowestColumn
from proctor.graders import COMPARE_MODES, create_grader, grader_names
from proctor.judge import Judge
from proctor.records import Grade, Rollout, Task
from proctor.sandbox import InfraError, Limits


def _grader_help() -> str:
    return "; ".join(f"[bold]{name}[/]: {summary}" for name, summary in grader_names().items())


def load_inputs(
    tasks_path: Path,
    rollouts_path: Path,
    visible: str,
    gold: str,
    skip_invalid: bool,
    bad_input: int = 2,
) -> tuple[dict[str, Task], list[Rollout]]:
    """Read tasks and rollouts, reporting skipped lines; exit ``bad_input`` on bad or
    empty input (one line: file:line and what was wrong)."""
    from proctor.io import RecordError, check_rollouts_against_tasks, read_rollouts, read_tasks

    skipped: list[RecordError] = []
    lines: dict[str, int] = {}
    try:
        tasks = read_tasks(
            tasks_path,
            visible=visible,
            gold=gold,
            skip_invalid=skip_invalid,
            on_skip=skipped.append,
        )
        rollouts = read_rollouts(
            rollouts_path, skip_invalid=skip_invalid, on_skip=skipped.append, lines=lines
        )
    except RecordError as exc:
        print_error(
            f"{exc} (fix it, or pass --skip-invalid to go on without it)"
            if exc.line is not None
            else exc
        )
        raise typer.Exit(bad_input) from exc
    for err in skipped[:10]:
        print_error(err, label="skipped", style="yellow")
    if skipped:
        err_console.print(f"[yellow]{len(skipped)} invalid line(s) skipped[/]")
    for path, found, what in ((tasks_path, tasks, "tasks"), (rollouts_path, rollouts, "rollouts")):
        if not found:
            print_error(
                f"{path}: no {what} in the file (empty{', or every line skipped' if skipped else ''})"
            )
            raise typer.Exit(bad_input)
    by_id = {task.id: task for task in tasks}
    unknown: list[RecordError] = []
    try:
        rollouts = check_rollouts_against_tasks(
            rollouts,
            by_id,
            skip_invalid=skip_invalid,
            on_skip=unknown.append,
            path=rollouts_path,
            lines=lines,
        )
    except RecordError as exc:
        print_error(exc)
        raise typer.Exit(bad_input) from exc
    if unknown:
        print_error(
            f"{len(unknown)} rollout(s) for unknown tasks, e.g. {unknown[0]}",
            label="skipped",
            style="yellow",
        )
    return by_id, rollouts


def summary_table(grades: list[Grade], title: str) -> Table:
    """Mean proxy, gold and gap, plus the counts a user checks first."""
    table = Table(title=title)
    for column in ("grader", "rollouts", "mean proxy", "mean gold", "proxy > gold", "infra errors"):
        table.add_column(column, justify="right" if column != "grader" else "left")
    by_grader: dict[str, list[Grade]] = {}
    for grade in grades:
        by_grader.setdefault(grade.grader, []).append(grade)
    for name, group in by_grader.items():
        ok = [g for g in group if g.status == "ok"]
        proxies = [g.proxy for g in ok if g.proxy is not None]
        golds = [g.gold for g in ok if g.gold is not None]
        gap = sum(1 for g in ok if g.gap is not None and g.gap > 0)
        infra = len(group) - len(ok)
        table.add_row(
            name,
            str(len(group)),
            f"{sum(proxies) / len(proxies):.3f}" if proxies else "-",
            f"{sum(golds) / len(golds):.3f}" if golds else "-",
            str(gap),
            f"[red]{infra}[/]" if infra else "0",
        )
    return table


def _keep_complete_grades(out: Path) -> set[str]:
    """Drop a torn or unreadable line (an interrupted run) and return the graded ids.

    The file is rewritten atomically, so appending afterwards starts on a clean line.
    """
    kept: list[str] = []
    ids: set[str] = set()
    for line in out.read_text().splitlines():
        try:
            rollout_id = json.loads(line)["rollout_id"]
        except (ValueError, KeyError, TypeError):
            continue  # graded again below
        ids.add(rollout_id)
        kept.append(line)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in kept))
    tmp.replace(out)
    return ids


@app.command()
@cli_errors(bad_input=2)
def grade(
    tasks: Annotated[
        Path | None,
        typer.Option(
            "--tasks",
            "-t",
            help="Task file: HumanEval, HumanEval+/MBPP+ or proctor JSONL (.jsonl or .jsonl.gz).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    rollouts: Annotated[
        Path | None,
        typer.Option(
            "--rollouts",
            "-r",
            help="Rollout JSONL: id, task_id, and completion or code per line (with --task-dir: an index of workspace rollouts).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    out: OutOption = None,
    grader: GraderOption = "hardened",
    workers: WorkersOption = 2,
    visible: Annotated[
        str,
        typer.Option(
            help="Visible (proxy) tests for HumanEval+ files: 'base' (base_input) or 'test' (the assert-style check)."
        ),
    ] = "base",
    gold: Annotated[
        str,
        typer.Option(
            help="Held-out (gold) tests for HumanEval+ files: 'plus' (plus_input) or 'none'."
        ),
    ] = "plus",
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Skip bad lines (reported) instead of stopping at the first."
        ),
    ] = False,
    per_test: PerTestOption = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Keep the grades already in --out and grade only the rest."),
    ] = False,
    test_timeout: Annotated[
        float, typer.Option(help="Seconds per test (scaled up for slow references).")
    ] = 3.0,
    memory_mb: Annotated[int, typer.Option(help="Memory cap per solution, MiB.")] = 1024,
    isolation: IsolationOption = "auto",
    cache: Annotated[
        bool,
        typer.Option(
            help="Cache expected outputs on disk ($PROCTOR_CACHE_DIR or ~/.cache/proctor)."
        ),
    ] = True,
    require_isolation: Annotated[
        bool,
        typer.Option(
            "--require-isolation",
            help="Refuse to grade (exit 3) with less than namespaces + Landlock + seccomp.",
        ),
    ] = False,
    task_dir: TaskDirOption = None,
    workspace: WorkspaceOption = None,
    transcript: TranscriptOption = None,
    json_output: JsonOption = False,
    compare: Annotated[
        str | None,
        typer.Option(
            help="Output comparison for every task: 'strict' (types must agree: True is not 1, "
            "1.0 is not 1, set is not frozenset) or 'evalplus' (its == semantics). "
            "Default: each task's own `compare`, else strict."
        ),
    ] = None,
    show_heldout_expected: Annotated[
        bool,
        typer.Option(
            "--show-heldout-expected",
            help="Put held-out expected values in failure details (debugging only: they "
            "leak wherever grades are logged).",
        ),
    ] = False,
    test_isolation: Annotated[
        str,
        typer.Option(
            help="Held-out tests: 'probe' (shuffled, one re-run alone in a fresh child), "
            "'fresh' (every one alone in its own child: slower) or 'off'. A test that "
            "passes with the others and fails alone is flagged order_dependent.",
        ),
    ] = "probe",
) -> None:
    """Grade rollouts: one JSON line per rollout with proxy (visible) and gold (held-out) scores.

    Example:

        proctor grade --tasks tasks.jsonl --rollouts rollouts.jsonl --out grades.jsonl

    Workspace tasks have their own command, ``proctor grade-workspace`` (``--task-dir``
    here is the same, kept for existing scripts).
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if task_dir is not None:  # workspace tasks: proctor.cli._workspace
        from proctor.cli._workspace import grade_workspaces

        grade_workspaces(
            task_dir,
            workspace,
            rollouts,
            out,
            grader,
            json_output,
            transcript,
            workers=workers,
            isolation=isolation,
            per_test=per_test,
            show_heldout_expected=show_heldout_expected,
        )
        return
    if tasks is None or rollouts is None or out is None:
        err_console.print(
            "[red]error:[/] --tasks, --rollouts and --out are needed "
            "(or --task-dir with --workspace for a workspace task)"
        )
        raise typer.Exit(2)
    if grader not in grader_names():
        err_console.print(f"[red]error:[/] unknown grader {grader!r}. {_grader_help()}")
        raise typer.Exit(2)
    if compare not in (None, *COMPARE_MODES):
        err_console.print(
            f"[red]error:[/] --compare must be one of {', '.join(COMPARE_MODES)}, not {compare!r}"
        )
        raise typer.Exit(2)
    if test_isolation not in ("probe", "fresh", "off"):
        err_console.print(
            "[red]error:[/] --test-isolation must be one of probe, fresh, off, "
            f"not {test_isolation!r}"
        )
        raise typer.Exit(2)
    by_id, todo = load_inputs(tasks, rollouts, visible, gold, skip_invalid)
    done_ids: set[str] = set()
    if resume and out.exists():
        done_ids = _keep_complete_grades(out)
        todo = [r for r in todo if r.id not in done_ids]
        err_console.print(f"resuming: {len(done_ids)} already graded, {len(todo)} to go")
    options: dict[str, object] = {}
    if grader == "hardened":
        from proctor.common import default_cache_dir

        options = {
            "workers": workers,
            "isolation": isolation,
            "limits": Limits(test=test_timeout, memory_mb=memory_mb),
            "cache_dir": default_cache_dir() if cache else None,
            "keep_tests": per_test,
            "require_isolation": require_isolation,
            "compare": compare,
            "show_heldout_expected": show_heldout_expected,
            "test_isolation": test_isolation,
        }
    elif require_isolation:
        err_console.print(
            f"[red]error:[/] --require-isolation needs the hardened grader, not {grader!r}"
        )
        raise typer.Exit(2)
    try:
        engine = create_grader(grader, **options)
    except InfraError as exc:
        print_error(exc)
        raise typer.Exit(3) from exc
    sandbox = getattr(engine, "mechanisms", None)
    if sandbox is not None:  # the isolation actually in force, said every run
        err_console.print(f"sandbox: {', '.join(sandbox) or 'none'}")
    grades: list[Grade] = []
    mode = "a" if resume else "w"
    in_flight = InFlight()
    in_flight.track(engine)  # the bar names the slowest task still being graded
    with (
        engine,
        out.open(mode) as sink,
        Progress(
            TextColumn("[bold]grading[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            SlowestColumn(in_flight),
            console=err_console,
            transient=False,
        ) as progress,
    ):
        bar = progress.add_task("grade", total=len(todo))
        judge = Judge(engine, workers=workers, sandbox=False)
        for result in judge.iter_grades(by_id, todo):
            # one line per rollout, flushed at once: an interrupt loses nothing graded
            sink.write(result.model_dump_json(exclude_none=False) + "\n")
            sink.flush()
            grades.append(result)
            progress.advance(bar)
    out_console.print(summary_table(grades, f"{len(grades)} rollouts graded -> {out}"))
    if any(g.status == "infra_error" for g in grades):
        err_console.print(
            "[red]Some rollouts hit infrastructure errors: their scores are "
            "not verdicts. See the `error` field.[/]"
        )
