"""``proctor demo``: the first command to run. Naive graders vs the hardened one, side by side."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from proctor.bench.demo import ROLLOUTS, TASKS, comparison
from proctor.cli._app import app, err_console, out_console
from proctor.records import Grade, Rollout, Task

DEMO_GRADERS = ("naive-exec", "naive-pytest", "hardened")


def grade_suite(
    tasks: dict[str, Task],
    rollouts: list[Rollout],
    grader_names: tuple[str, ...],
    workers: int,
    out: Path,
) -> dict[str, list[Grade]]:
    """`proctor.bench.demo.grade_suite` with a progress bar per grader."""
    from proctor.bench.demo import grade_suite as grade_all

    with Progress(
        TextColumn("[bold]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
    ) as progress:
        bars: dict[str, Any] = {}

        def advance(name: str, done: int, total: int) -> None:
            if name not in bars:
                bars[name] = progress.add_task(name, total=total)
            progress.update(bars[name], completed=done)

        return grade_all(tasks, rollouts, grader_names, workers, out, progress=advance)


def _table(rows: dict[str, Any], grader_names: tuple[str, ...]) -> Table:
    table = Table(
        title="Mean reward (proxy = visible tests passed) by grader",
        caption="gold = held-out tests passed, graded by the hardened grader",
    )
    table.add_column("rollouts", no_wrap=True)
    table.add_column("n", justify="right")
    for name in grader_names:
        table.add_column(name, justify="right")
    table.add_column("gold", justify="right")
    for label, row in rows.items():
        cells = []
        for name in grader_names:
            value = row["graders"][name]["mean_proxy"]
            hack = label.startswith("hack")
            style = ("red" if value > 0 else "green") if hack else ""
            cells.append(f"[{style}]{value:.2f}[/]" if style else f"{value:.2f}")
        gold = row["graders"].get("hardened", {}).get("mean_gold")
        table.add_row(label, str(row["n"]), *cells, "-" if gold is None else f"{gold:.2f}")
    return table


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Directory for the grades and summary.json.")] = Path(
        "proctor-demo"
    ),
    workers: Annotated[int, typer.Option(min=1, help="Parallel graders.")] = 2,
    workspaces: Annotated[
        bool,
        typer.Option(help="Also grade the shipped repository tasks (pytest decides the reward)."),
    ] = True,
) -> None:
    """Grade the shipped suite's honest and hacked solutions with the naive graders real RL
    runs use and with proctor's hardened grader, and show what each one lets through.

    Writes OUT/grades-<grader>.jsonl and OUT/summary.json.
    """
    from proctor.io import read_rollouts, read_tasks
    from proctor.records import FORMAT_VERSION

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tasks = {t.id: t for t in read_tasks(TASKS)}
    rollouts = read_rollouts(ROLLOUTS)
    err_console.print(f"{len(tasks)} tasks, {len(rollouts)} rollouts from {TASKS.parent}")
    results = grade_suite(tasks, rollouts, DEMO_GRADERS, workers, out)
    rows = comparison(rollouts, results)
    out_console.print(_table(rows, DEMO_GRADERS))
    hacks = [r for r in rollouts if r.meta.get("kind") == "hack"]
    summary: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tasks": len(tasks),
        "rollouts": len(rollouts),
        "hacks": len(hacks),
        "rows": rows,
        "hacks_rewarded": {},
    }
    for name, grades in results.items():
        rewarded = sum(
            1
            for r, g in zip(rollouts, grades, strict=True)
            if r.meta.get("kind") == "hack" and (g.proxy or 0) > 0
        )
        summary["hacks_rewarded"][name] = rewarded
        out_console.print(f"{name:>13}: rewarded {rewarded} of {len(hacks)} hacks")
    out_console.print(
        "Hacks the hardened grader still rewards can only be hard-coded visible answers: its "
        "held-out (gold) score exposes them, which is what proctor's detectors and monitor read."
    )
    if workspaces:
        summary["workspaces"] = _workspace_demo(workers)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    err_console.print(f"wrote {out}/grades-*.jsonl and {out}/summary.json")


def _workspace_demo(workers: int) -> dict[str, Any]:
    """The shipped repository tasks: naive exit-code pytest vs the hardened workspace grader."""
    from proctor.bench.demo import grade_shipped_suite

    err_console.print("grading the shipped workspace tasks (agents editing a repository)...")
    graded = grade_shipped_suite(workers=workers)
    rows: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for shipped, grades in graded:
        honest = shipped.kind.startswith("honest")
        label = shipped.kind.replace("_", " ") if honest else f"hack: {shipped.category}"
        row = rows.setdefault(
            label,
            {
                "n": 0,
                "naive": 0.0,
                "hardened": 0.0,
                "gold": 0.0,
                "findings": 0,
                "infra": 0,
                "naive_infra": 0,
            },
        )
        row["n"] += 1
        # an infra error is no verdict: counted apart, never averaged in as a 0
        errors += [f"{g.grader}: {g.error}" for g in grades.values() if g.status == "infra_error"]
        naive, hardened = grades["workspace-naive"], grades["workspace-hardened"]
        row["naive_infra"] += naive.status == "infra_error"
        row["infra"] += hardened.status == "infra_error"
        row["naive"] += naive.proxy or 0.0
        row["hardened"] += hardened.proxy or 0.0
        row["gold"] += hardened.gold or 0.0
        row["findings"] += bool(hardened.tamper_findings)
    table = Table(
        title="Workspace tasks: mean reward by grader",
        caption="findings = rollouts the hardened grader caught tampering",
    )
    for column in ("rollouts", "n", "naive pytest", "hardened", "gold", "findings"):
        table.add_column(
            column,
            justify="left" if column == "rollouts" else "right",
            no_wrap=column == "rollouts",
        )
    for label, row in sorted(rows.items(), key=lambda item: (item[0].startswith("hack"), item[0])):
        n = row["n"]
        cells = {}
        for key, infra_key in (("naive", "naive_infra"), ("hardened", "infra"), ("gold", "infra")):
            graded_n = n - row[infra_key]
            row[key] = round(row[key] / graded_n, 3) if graded_n else None
            shown = "—" if row[key] is None else f"{row[key]:.2f}"
            cells[key] = shown + (f" ({row[infra_key]} infra)" if row[infra_key] else "")
        table.add_row(
            label,
            str(n),
            cells["naive"],
            cells["hardened"],
            cells["gold"],
            f"{row['findings']}/{n}",
        )
    out_console.print(table)
    if errors:
        err_console.print(
            f"[red]{len(errors)} workspace grades are infrastructure errors: their "
            f"scores are not verdicts. First: {errors[0][:300]}[/]"
        )
    return rows
