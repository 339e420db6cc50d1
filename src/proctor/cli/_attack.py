"""``proctor attack``: every hack in the catalogue against every grader -> fooled / resisted."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from proctor.bench.attacks import ATTACKS, DEFAULT_GRADERS, AttackResult, plan, run_attacks
from proctor.cli._app import app, err_console, out_console, print_error
from proctor.graders import grader_names
from proctor.records import Task
from proctor.sandbox import InfraError


def load_tasks(path: Path | None) -> list[Task]:
    """Tasks from ``path`` (default: the shipped demo suite); exit 2 on bad input."""
    from proctor.bench.demo import TASKS
    from proctor.io import RecordError, read_tasks

    if path is None and not TASKS.exists():
        err_console.print(
            f"[red]error:[/] the shipped demo suite is missing ({TASKS}); pass --tasks FILE"
        )
        raise typer.Exit(2)
    path = path or TASKS
    try:
        return read_tasks(path)
    except (RecordError, OSError) as exc:
        print_error(exc)
        raise typer.Exit(2) from exc


def matrix(results: list[AttackResult], graders: list[str]) -> Table:
    """Attack × grader; each cell says fooled or resisted, with counts over tasks."""
    table = Table(title="attack × grader (fooled = got reward or reached its goal)")
    table.add_column("attack", no_wrap=True)
    table.add_column("category", style="dim")
    for name in graders:
        table.add_column(name, justify="center")
    cells: dict[tuple[str, str], list[AttackResult]] = defaultdict(list)
    for result in results:
        cells[result.attack, result.grader].append(result)
    categories = {r.attack: r.category for r in results}
    for attack in dict.fromkeys(r.attack for r in results):
        row = [attack, categories[attack]]
        for name in graders:
            group = cells.get((attack, name), [])
            ran = [r for r in group if not r.skipped]
            fooled = sum(r.fooled for r in ran)
            if not group:
                row.append("[dim]n/a[/]")
            elif not ran:
                row.append("[yellow]skipped[/]")
            elif fooled:
                row.append(f"[bold red]fooled {fooled}/{len(ran)}[/]")
            else:
                row.append(f"[green]resisted {len(ran)}/{len(ran)}[/]")
        table.add_row(*row)
    return table


@app.command()
def attack(
    tasks: Annotated[
        Path | None,
        typer.Option(
            "--tasks",
            "-t",
            exists=True,
            dir_okay=False,
            help="Task file (default: the shipped demo suite).",
        ),
    ] = None,
    grader: Annotated[
        list[str] | None,
        typer.Option(
            "--grader",
            "-g",
            help="Grader to attack; repeat for several (default: hardened, naive-exec, "
            "naive-pytest).",
        ),
    ] = None,
    attack_names: Annotated[
        list[str] | None,
        typer.Option(
            "--attack",
            "-a",
            help="Attack to run; repeat for several (default: all). --list shows them.",
        ),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write every result (attack, grader, task, proxy, gold, fooled, reason) to this "
            "JSON file.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=1.0, help="Wall seconds per run of the code, for every grader.")
    ] = 10.0,
    memory_mb: Annotated[
        int, typer.Option(min=256, help="Memory cap per run, MiB, for every grader.")
    ] = 1024,
    workers: Annotated[int, typer.Option(min=1, help="Gradings run at once.")] = 2,
    list_attacks: Annotated[
        bool, typer.Option("--list", help="List the attacks and exit.")
    ] = False,
    workspace: Annotated[
        bool,
        typer.Option(
            "--workspace",
            help="Attack the workspace graders (repository tasks where pytest decides) with the "
            "workspace attacks, on the shipped workspace suite or --task-dir.",
        ),
    ] = False,
    task_dirs: Annotated[
        list[Path] | None,
        typer.Option(
            "--task-dir",
            file_okay=False,
            exists=True,
            help="With --workspace: a workspace task directory; repeat for several.",
        ),
    ] = None,
) -> None:
    """Run the attack suite: hack submissions against graders, fooled or resisted.

    Exits 1 when a grader that is not exploitable on purpose was fooled.

    Example:

        proctor attack --grader hardened --grader naive-pytest --json attacks.json
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if workspace:
        _attack_workspaces(grader, attack_names, task_dirs, json_out, workers, list_attacks)
        return
    if list_attacks:
        for spec in ATTACKS.values():  # the requested output: stdout
            out_console.print(
                f"[bold]{spec.name}[/] ({spec.category}): {spec.description}", soft_wrap=True
            )
        raise typer.Exit(0)
    graders = list(dict.fromkeys(grader or DEFAULT_GRADERS))
    unknown = [g for g in graders if g not in grader_names()]
    bad = [a for a in attack_names or [] if a not in ATTACKS]
    if unknown or bad:
        for name in unknown:
            err_console.print(
                f"[red]error:[/] unknown grader {name!r}; known: {', '.join(grader_names())}"
            )
        for name in bad:
            err_console.print(f"[red]error:[/] unknown attack {name!r}; see --list")
        raise typer.Exit(2)
    task_list = load_tasks(tasks)
    jobs = plan(task_list, graders, attack_names)
    with Progress(
        TextColumn("[bold]attacking[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
    ) as progress:
        bar = progress.add_task("attack", total=len(jobs))
        try:
            results = run_attacks(
                task_list,
                graders,
                attack_names,
                timeout=timeout,
                memory_mb=memory_mb,
                workers=workers,
                on_result=lambda _: progress.advance(bar),
            )
        except InfraError as exc:  # a grader could not start at all
            print_error(exc)
            raise typer.Exit(3) from exc
    err_console.print(matrix(results, graders))
    if json_out is not None:
        json_out.write_text(json.dumps([r.model_dump() for r in results], indent=1) + "\n")
        err_console.print(f"{len(results)} results -> {json_out}")
    if any(r.fooled and not r.exploitable for r in results):
        err_console.print("[bold red]A grader meant for rewards was fooled.[/]")
        raise typer.Exit(1)


# Function-level grader names and their workspace counterparts, so that
# `--workspace --grader hardened` means what a user expects.
_WORKSPACE_NAMES = {"hardened": "workspace-hardened", "naive-pytest": "workspace-naive"}


def _attack_workspaces(
    grader: list[str] | None,
    attack_names: list[str] | None,
    task_dirs: list[Path] | None,
    json_out: Path | None,
    workers: int,
    list_attacks: bool,
) -> None:
    """``proctor attack --workspace``: the workspace attacks against the workspace graders."""
    from proctor.bench.attacks import WORKSPACE_ATTACKS, WORKSPACE_GRADERS, run_workspace_attacks
    from proctor.bench.demo import shipped_tasks
    from proctor.workspace import TaskError, load_task

    if list_attacks:
        for spec in WORKSPACE_ATTACKS.values():
            out_console.print(
                f"[bold]{spec.name}[/] ({spec.category}): {spec.description}", soft_wrap=True
            )
        raise typer.Exit(0)
    graders = [_WORKSPACE_NAMES.get(g, g) for g in dict.fromkeys(grader or WORKSPACE_GRADERS)]
    unknown = [g for g in graders if g not in WORKSPACE_GRADERS]
    bad = [a for a in attack_names or [] if a not in WORKSPACE_ATTACKS]
    for name in unknown:
        err_console.print(
            f"[red]error:[/] {name!r} is not a workspace grader; known: "
            f"{', '.join(WORKSPACE_GRADERS)}"
        )
    for name in bad:
        err_console.print(
            f"[red]error:[/] unknown workspace attack {name!r}; see --workspace --list"
        )
    if unknown or bad:
        raise typer.Exit(2)
    try:
        tasks = [load_task(d) for d in task_dirs] if task_dirs else list(shipped_tasks().values())
    except TaskError as exc:
        print_error(exc)
        raise typer.Exit(2) from exc
    total = len(tasks) * len(graders) * len(attack_names or WORKSPACE_ATTACKS)
    with Progress(
        TextColumn("[bold]attacking workspaces[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
    ) as progress:
        bar = progress.add_task("attack", total=total)
        try:
            results = run_workspace_attacks(
                tasks,
                graders,
                attack_names,
                workers=workers,
                on_result=lambda _: progress.advance(bar),
            )
        except InfraError as exc:
            print_error(exc)
            raise typer.Exit(3) from exc
    err_console.print(matrix(list(results), graders))
    if json_out is not None:
        json_out.write_text(json.dumps([r.model_dump() for r in results], indent=1) + "\n")
        err_console.print(f"{len(results)} results -> {json_out}")
    if any(r.fooled and not r.exploitable for r in results):
        err_console.print(
            "[bold red]A grader meant for rewards was fooled.[/] (A targeted "
            "forgery of single visible tests is a documented limit: its held-out "
            "score exposes it; see docs/threat-model.md.)"
        )
        raise typer.Exit(1)
