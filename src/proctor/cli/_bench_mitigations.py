"""``proctor bench mitigations``: best-of-n, the KL optimum and GRPO under proctor's reward transforms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from proctor.cli._app import err_console
from proctor.cli._detect import bench_app


def _settings(value: str) -> tuple[str, ...]:
    from proctor.bench.mitigations import SETTINGS

    chosen = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SETTINGS]
    if unknown or not chosen:
        err_console.print(
            f"[red]error:[/] --settings: unknown {', '.join(unknown) or '(empty)'}; "
            f"choose from {', '.join(SETTINGS)} (comma-separated)"
        )
        raise typer.Exit(2)
    return chosen


@bench_app.command("mitigations")
def bench_mitigations(
    settings: Annotated[
        str, typer.Option(help="Comma-separated: rewardmath (needs ../shared/data), pool, code.")
    ] = "rewardmath,pool,code",
    out: Annotated[
        Path, typer.Option(help="Directory for mitigations.md and mitigations.json.")
    ] = Path("benchmarks/results"),
    img: Annotated[Path, typer.Option(help="Directory for the PNG plots.")] = Path(
        "docs/img/mitigations"
    ),
    seeds: Annotated[
        int, typer.Option(min=1, max=50, help="Seeds: synthetic pools and GRPO runs per reward.")
    ] = 3,
    rewardmath: Annotated[
        Path | None,
        typer.Option(help="RewardMATH folder (with scores/); default ../shared/data/rewardmath."),
    ] = None,
    max_tasks: Annotated[
        int | None,
        typer.Option(min=1, help="Code domain: only the first N held-out tasks (smoke runs)."),
    ] = None,
    prompts: Annotated[int, typer.Option(min=1, help="Synthetic pool: prompts per seed.")] = 200,
    steps: Annotated[
        int,
        typer.Option(
            min=1, help="GRPO steps in the pool setting (the code setting runs 2/3 as many)."
        ),
    ] = 150,
    workers: Annotated[
        int, typer.Option(min=1, help="Sandbox workers for grading the code pools.")
    ] = 2,
    cache: Annotated[
        bool,
        typer.Option(
            help="Cache the code pools' grades and verdicts under ~/.cache/proctor/mitigations."
        ),
    ] = True,
) -> None:
    """Which reward keeps the selected solutions good? Best-of-n (exact), the KL-regularised
    optimum and tabular GRPO under raw, ensembled, PAR, log-sigmoid rewards, and on the
    code pools under naive-exec, naive-pytest (pytest's exit code), hardened and
    detector-gated rewards. Writes mitigations.md/.json and PNG plots. Code-pool grades
    are cached per candidate, so an interrupted run resumes where it stopped.

        proctor bench mitigations                          # everything, as in docs/mitigations.md
        proctor bench mitigations --settings pool --seeds 1 --prompts 20 --out /tmp/m
    """
    from dataclasses import replace

    from proctor.bench.mitigations import BenchConfig, GRPOConfig, PoolConfig, run_bench
    from proctor.common import default_cache_dir

    chosen = _settings(settings)
    config = BenchConfig(
        settings=chosen,
        seeds=seeds,
        max_tasks=max_tasks,
        workers=workers,
        pool=replace(PoolConfig(), prompts=prompts),
        grpo=GRPOConfig(steps=steps),
        code_grpo=GRPOConfig(steps=max(1, 2 * steps // 3)),
        cache=default_cache_dir().parent / "mitigations" if cache else None,
    )
    if rewardmath is not None:
        config.rewardmath_dir = rewardmath
    parts = [f"--settings {settings}", f"--seeds {seeds}"]
    if max_tasks is not None:
        parts.append(f"--max-tasks {max_tasks}")
    if prompts != 200:
        parts.append(f"--prompts {prompts}")
    if steps != 150:
        parts.append(f"--steps {steps}")
    command = "proctor bench mitigations " + " ".join(parts)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        bars: dict[str, TaskID] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done, total=total)

        _, json_path, md_path = run_bench(
            config, out, img, command, step, log=lambda m: err_console.print(f"[yellow]{m}[/]")
        )
    err_console.print(f"wrote {md_path}, {json_path} and plots in {img}")


__all__ = ["bench_mitigations"]
