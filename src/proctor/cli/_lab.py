"""``proctor lab run`` and ``proctor lab sweep``: the hack-emergence lab."""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from proctor.cli._app import app, err_console, out_console

lab_app = typer.Typer(
    help="The hack-emergence lab: small policy-gradient runs whose rewards come from "
    "really grading sampled code. With a naive grader hacking emerges; with the "
    "hardened grader it should not.",
    no_args_is_help=True,
)
app.add_typer(lab_app, name="lab")

_SEEDS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
GRADERS = ("hardened", "naive-exec", "naive-pytest")


def parse_seeds(text: str) -> list[int]:
    """``"0-4"``, ``"3"``, ``"0,2,5-7"`` as a sorted list of distinct seeds."""
    seeds: set[int] = set()
    for part in text.split(","):
        m = _SEEDS.match(part)
        if not m:
            raise typer.BadParameter(f"{part!r} is not a seed or a range like 0-4")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo or hi - lo > 10_000:
            raise typer.BadParameter(f"bad seed range {part!r}")
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def _config(overrides: dict[str, Any], config_file: Path | None) -> Any:
    from proctor.bench.lab import LabConfig

    data: dict[str, Any] = {}
    if config_file is not None:
        try:
            loaded = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            err_console.print(
                f"[red]error:[/] {escape(str(config_file))}: cannot read a JSON "
                f"config: {escape(str(exc)[:200])}"
            )
            raise typer.Exit(2) from exc
        # a run.json holds its config under "config": accept both
        if isinstance(loaded, dict) and isinstance(loaded.get("config"), dict):
            loaded = loaded["config"]
        if not isinstance(loaded, dict):
            err_console.print(f"[red]error:[/] {escape(str(config_file))}: must be a JSON object")
            raise typer.Exit(2)
        data.update(loaded)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return LabConfig.model_validate(data)
    except ValidationError as exc:
        where = f"{config_file}: " if config_file is not None else ""
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        err_console.print(
            f"[red]error:[/] {escape(where)}`{escape(field)}`: "
            f"{escape(first['msg'])} (see `proctor lab run --help`)"
        )
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("hack rate {task.fields[hack]}"),
        TimeElapsedColumn(),
        console=err_console,
    )


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def _summary_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="lab runs")
    for column in ("run", "grader", "seed", "onset step", "final true hack rate", "final gold"):
        table.add_column(column, justify="left" if column in ("run", "grader") else "right")
    for r in rows:
        table.add_row(
            r["run"],
            r["grader"],
            str(r["seed"]),
            _fmt(r["onset"], "d"),
            _fmt(r["final_hack_rate"]),
            _fmt(r["final_gold"]),
        )
    return table


def _run_one(
    config: Any, out: Path, progress: Progress, label: str, command: str | None
) -> dict[str, Any]:
    from proctor.bench.lab import run_lab

    bar = progress.add_task(label, total=config.steps, hack="-")

    def on_step(step: int, scalars: dict[str, float]) -> None:
        progress.update(bar, advance=1, hack=f"{scalars['true_hack_rate']:.2f}")

    result = run_lab(config, out, on_step=on_step, command=command)
    return {
        "run": str(out),
        "grader": config.grader,
        "seed": config.seed,
        "onset": result.onset_step,
        "final_hack_rate": result.final_hack_rate,
        "final_gold": result.final_gold,
    }


Out = Annotated[
    Path,
    typer.Option("--out", help="Run directory to write (created; its run files are replaced)."),
]
Grader = Annotated[
    str,
    typer.Option(
        help="Grader whose proxy score is the reward: hardened, naive-exec or naive-pytest."
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config", help="JSON LabConfig (or a run.json) to start from; flags override it."
    ),
]


@lab_app.command("run")
def run_command(
    out: Out,
    grader: Grader = "naive-exec",
    seed: Annotated[int | None, typer.Option(help="Seed (tasks, offsets, samples).")] = None,
    steps: Annotated[int | None, typer.Option(help="Policy-gradient steps.")] = None,
    tasks: Annotated[int | None, typer.Option(help="Tasks in the run's task set.")] = None,
    tasks_per_step: Annotated[int | None, typer.Option(help="Prompts per step.")] = None,
    group_size: Annotated[int | None, typer.Option(help="Completions per prompt.")] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    normalise_std: Annotated[
        bool | None, typer.Option(help="Divide group advantages by the group std (GRPO).")
    ] = None,
    kl_coef: Annotated[float | None, typer.Option(help="KL-to-initial penalty.")] = None,
    hack_prior: Annotated[float | None, typer.Option(help="Initial hacking disposition.")] = None,
    honest_skill: Annotated[
        float | None, typer.Option(help="Mean log-odds of honest correct over honest wrong.")
    ] = None,
    difficulty_sd: Annotated[float | None, typer.Option(help="Task difficulty spread.")] = None,
    offset_sd: Annotated[float | None, typer.Option(help="Per-candidate offset spread.")] = None,
    skill_lr_scale: Annotated[
        float | None, typer.Option(help="Honest competence learns at this fraction of lr.")
    ] = None,
    exploit_lr_scale: Annotated[
        float | None,
        typer.Option(help="The shared hacking disposition learns at this fraction of lr."),
    ] = None,
    split: Annotated[str | None, typer.Option(help="Corpus split: heldout or dev.")] = None,
    workers: Annotated[int | None, typer.Option(help="Grading workers.")] = None,
    exclude_family: Annotated[
        list[str] | None,
        typer.Option(
            help="Leave a hack family out of the pools (repeatable), e.g. test_targeting."
        ),
    ] = None,
    config_file: ConfigFile = None,
) -> None:
    """Make one lab run into a run directory (run.json + rollouts/grades/scalars .jsonl.gz).

    Example: [bold]proctor lab run --out runs/naive-s3 --grader naive-exec --seed 3[/]
    """
    overrides = dict(
        grader=grader,
        seed=seed,
        steps=steps,
        tasks=tasks,
        tasks_per_step=tasks_per_step,
        group_size=group_size,
        lr=lr,
        normalise_std=normalise_std,
        kl_coef=kl_coef,
        hack_prior=hack_prior,
        honest_skill=honest_skill,
        difficulty_sd=difficulty_sd,
        offset_sd=offset_sd,
        skill_lr_scale=skill_lr_scale,
        exploit_lr_scale=exploit_lr_scale,
        split=split,
        workers=workers,
        exclude_families=exclude_family or None,
    )
    config = _config(overrides, config_file)
    with _progress() as progress:
        row = _run_one(config, out, progress, f"{config.grader} seed {config.seed}", None)
    out_console.print(_summary_table([row]))


@lab_app.command("sweep")
def sweep_command(
    out: Annotated[
        Path,
        typer.Option("--out", help="Parent directory: one run per <grader>-s<seed>/ under it."),
    ],
    seeds: Annotated[str, typer.Option(help="Seeds: 0-4, 7 or 0,2,5-7.")] = "0-4",
    graders: Annotated[str, typer.Option(help="Comma-separated graders.")] = "naive-exec,hardened",
    steps: Annotated[int | None, typer.Option(help="Policy-gradient steps.")] = None,
    workers: Annotated[int | None, typer.Option(help="Grading workers.")] = None,
    exclude_family: Annotated[
        list[str] | None,
        typer.Option(
            help="Leave a hack family out of the pools (repeatable), e.g. test_targeting."
        ),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(
            help="Word added to each run's name, <grader>[-no-<family>][-<tag>]-s<seed>, to "
            "keep sweeps with different --config apart (letters, digits, _ and .)."
        ),
    ] = None,
    config_file: ConfigFile = None,
) -> None:
    """Make one run per (grader, seed) and print onset step, final hack rate and gold.

    Example: [bold]proctor lab sweep --out labruns --seeds 0-4 --graders naive-exec,hardened[/]

    Example: [bold]proctor lab sweep --out labruns --graders hardened --config learn.json
    --tag learning[/]
    """
    if tag is not None and not re.fullmatch(r"[A-Za-z0-9_.]{1,40}", tag):
        err_console.print(
            f"[red]error:[/] --tag {escape(tag)!r}: use 1-40 letters, digits, "
            "_ or . (it becomes part of a directory name)"
        )
        raise typer.Exit(2)
    names = [g.strip() for g in graders.split(",") if g.strip()]
    unknown = [g for g in names if g not in GRADERS]
    if unknown or not names:
        err_console.print(
            f"[red]error:[/] --graders: unknown {escape(', '.join(unknown))}; "
            f"choose from {', '.join(GRADERS)}"
        )
        raise typer.Exit(2)
    seed_list = parse_seeds(seeds)
    rows = []
    with _progress() as progress:
        for name in names:
            for seed in seed_list:
                config = _config(
                    {
                        "grader": name,
                        "seed": seed,
                        "steps": steps,
                        "workers": workers,
                        "exclude_families": exclude_family or None,
                    },
                    config_file,
                )
                suffix = "-no-" + "-".join(exclude_family) if exclude_family else ""
                suffix += f"-{tag}" if tag else ""
                run_dir = out / f"{name}{suffix}-s{seed}"
                rows.append(
                    _run_one(
                        config, run_dir, progress, f"{name} seed {seed}", _command(config, run_dir)
                    )
                )
    out_console.print(_summary_table(rows))


def _command(config: Any, run_dir: Path) -> str:
    from proctor.bench.lab import reproduce_command

    return reproduce_command(config, run_dir)


@lab_app.command("pack")
def pack_command(
    source: Annotated[Path, typer.Argument(help="A finished lab run directory.")],
    dest: Annotated[Path, typer.Argument(help="Directory to write the packed copy to.")],
) -> None:
    """Copy a lab run without per-test failure details and grading stats (to ship it).

    Rollouts, rewards, proxy and gold scores, tamper findings and scalars are kept
    as they are; run.json gets a `packed` note. Example:
    [bold]proctor lab pack labruns/naive-exec-s1 src/proctor/bench/lab/runs/naive-exec-s1[/]
    """
    from proctor.bench.lab import PackError, pack_run

    try:
        result = pack_run(source, dest)
    except PackError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    out_console.print(
        f"{escape(str(dest))}: {result.packed_bytes:,} bytes (from {result.source_bytes:,})"
    )


@lab_app.command("list")
def list_command() -> None:
    """List the recorded runs proctor ships (hacking and benign), with their onset.

    Example: [bold]proctor lab list[/]
    """
    from proctor.bench.lab import shipped_runs

    table = Table(title="shipped lab runs")
    for column in ("path", "grader", "seed", "expected", "onset step", "command"):
        table.add_column(column, overflow="fold")
    for path in shipped_runs():
        m = json.loads((path / "run.json").read_text(encoding="utf-8"))
        table.add_row(
            str(path),
            str(m.get("grader")),
            str(m.get("seed")),
            str(m.get("expected")),
            _fmt(m.get("onset_step"), "d"),
            escape(shlex.quote(str(m.get("command")))[:200]),
        )
    out_console.print(table)
