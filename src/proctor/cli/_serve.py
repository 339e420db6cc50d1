"""``proctor serve rewards``: the HTTP reward server trainers call (OpenRLHF's remote RM)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from proctor.cli._app import app, err_console, install_hint, print_error

serve_app = typer.Typer(
    help="Serve proctor over HTTP: the reward server trainers call.", no_args_is_help=True
)
app.add_typer(serve_app, name="serve")


@serve_app.command("rewards")
def rewards(
    tasks: Annotated[
        Path,
        typer.Option(
            "--tasks",
            "-t",
            exists=True,
            dir_okay=False,
            help="Task file: HumanEval(+), MBPP+ or proctor JSONL. Request labels are its task ids.",
        ),
    ],
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (keep it on loopback or a private network; beyond loopback set --token)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers grading in parallel.")] = 2,
    mode: Annotated[
        str,
        typer.Option(
            help="fraction (share of visible tests passed) or all_pass (1 only if all pass)."
        ),
    ] = "fraction",
    detect: Annotated[
        bool,
        typer.Option(
            help="Run the static detectors; verdicts go to extra_logs and the monitor only."
        ),
    ] = False,
    gate: Annotated[
        str,
        typer.Option(
            help="none, hard or soft: let detector verdicts lower the reward (turns --detect on)."
        ),
    ] = "none",
    record: Annotated[
        Path | None,
        typer.Option(
            help="Run directory to record every rollout, grade and verdict in, for `proctor monitor`."
        ),
    ] = None,
    max_body_mb: Annotated[int, typer.Option(min=1, help="Largest request body, MiB.")] = 32,
    max_samples: Annotated[int, typer.Option(min=1, help="Most samples in one request.")] = 512,
    max_queue_samples: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Most samples admitted at once, all requests together; beyond, 503 with Retry-After at once. Default: the larger of --max-samples and 32 per worker.",
        ),
    ] = None,
    read_timeout: Annotated[
        float,
        typer.Option(
            min=0.1, help="Seconds a client has to send its whole request body (408 beyond)."
        ),
    ] = 10.0,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="PROCTOR_SERVE_TOKEN",
            help="Require Authorization: Bearer TOKEN on /get_reward and /metrics (or set PROCTOR_SERVE_TOKEN).",
        ),
    ] = None,
    warm: Annotated[
        bool, typer.Option(help="Compute every task's expected outputs before listening.")
    ] = False,
    visible: Annotated[
        str, typer.Option(help="Visible tests for HumanEval+ files: base or test.")
    ] = "base",
    gold: Annotated[
        str, typer.Option(help="Held-out tests for HumanEval+ files: plus or none.")
    ] = "plus",
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    backend: Annotated[
        str,
        typer.Option(
            help="local (a sandbox pool here) or ray (one per node of a Ray cluster; --workers is then per node; needs proctor[ray])."
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster to join (ray.init's address, e.g. auto); default: start or join a local one."
        ),
    ] = None,
    require_isolation: Annotated[
        bool,
        typer.Option(
            "--require-isolation",
            help="Refuse to start (exit 3) with less than namespaces + Landlock + seccomp.",
        ),
    ] = False,
) -> None:
    """Serve rewards over HTTP with OpenRLHF's remote reward protocol.

    POST /get_reward with {"query": [...], "prompts": [...], "labels": [...]}: label i
    is the task id of sample i, query i its prompt plus completion. The answer has
    rewards (visible tests), scores, and extra_logs with the monitor-only signals
    (gold, gap, hack). GET /health says what is loaded.

    Example:

        proctor serve rewards --tasks tasks.jsonl --host 127.0.0.1 --port 8000 --workers 4

        # then, in OpenRLHF: --reward.remote_url http://127.0.0.1:8000/get_reward --data.label_key task_id
    """
    try:
        import uvicorn

        from proctor.serve import ServeLimits, create_app, default_queue_samples
    except ImportError as exc:
        print_error(
            f"the server needs fastapi and uvicorn ({exc}). "
            f"Install them with: {install_hint('serve')}"
        )
        raise typer.Exit(2) from exc
    from proctor.io import RecordError
    from proctor.rewards import BACKENDS, GATES, MODES, CodeReward

    for name, value, choices in (
        ("--mode", mode, MODES),
        ("--gate", gate, GATES),
        ("--backend", backend, BACKENDS),
    ):
        if value not in choices:
            err_console.print(
                f"[red]error:[/] {name} {escape(value)!s} is not one of {', '.join(choices)}"
            )
            raise typer.Exit(2)
    from proctor.sandbox import InfraError

    try:
        reward = CodeReward(
            tasks,
            mode=mode,  # type: ignore[arg-type]
            workers=workers,
            detect=detect,
            gate=gate,  # type: ignore[arg-type]
            record_to=record,
            visible=visible,
            gold=gold,
            backend=backend,  # type: ignore[arg-type]
            ray_address=ray_address,
            require_isolation=require_isolation,
        )
    except ImportError as exc:  # the ray extra is missing
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except RecordError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except InfraError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(3) from exc
    logging.getLogger("proctor.serve").warning(
        "sandbox isolation in force: %s", ", ".join(reward.grader.mechanisms) or "none"
    )
    with reward:
        if warm:
            _warm(reward)
        queue = max_queue_samples or default_queue_samples(max_samples, reward.workers)
        if queue < max_samples:
            err_console.print(
                f"[red]error:[/] --max-queue-samples {queue} is below "
                f"--max-samples {max_samples}: such a request could never be admitted"
            )
            raise typer.Exit(2)
        limits = ServeLimits(
            max_body_bytes=max_body_mb << 20,
            max_samples=max_samples,
            max_queue_samples=queue,
            read_timeout=read_timeout,
        )
        _warn_if_exposed(host, token)
        err_console.print(
            f"serving {len(reward.tasks)} tasks from {escape(str(tasks))} on "
            f"http://{host}:{port}/get_reward ({reward.workers} workers"
            f"{' on Ray' if backend == 'ray' else ''}, queue of "
            f"{queue} samples, sandbox: "
            f"{', '.join(reward.grader.mechanisms) or 'none'})"
        )
        uvicorn.run(
            create_app(reward, limits, token=token), host=host, port=port, log_level=log_level
        )


def _warn_if_exposed(host: str, token: str | None) -> None:
    """Say so when the server listens beyond this machine (any grader CPU is free to take)."""
    import ipaddress

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False  # a host name: it may resolve anywhere
    if loopback:
        return
    if token:
        err_console.print(
            f"[yellow]warning:[/] listening on {escape(host)}, beyond loopback: "
            "requests need the bearer token; traffic is plain HTTP (use a "
            "private network or a TLS proxy)"
        )
    else:
        err_console.print(
            f"[yellow]warning:[/] listening on {escape(host)}, beyond loopback, "
            "with no authentication: anyone who reaches this port can use the "
            "graders. Set --token (or PROCTOR_SERVE_TOKEN), or bind 127.0.0.1"
        )


def _warm(reward: object) -> None:
    from rich.progress import Progress

    from proctor.rewards import CodeReward

    assert isinstance(reward, CodeReward)
    prepare = getattr(reward.grader, "prepare", None)
    if prepare is not None:  # the Ray backend builds every plan at once across its nodes
        prepare(list(reward.tasks.values()))
        return
    with Progress(console=err_console, transient=True) as progress:
        bar = progress.add_task("expected outputs", total=len(reward.tasks))
        for task in reward.tasks.values():
            reward.grader.wall_budget(task)  # builds and caches the task's grading plan
            progress.advance(bar)
