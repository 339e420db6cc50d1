"""``proctor monitor``: the run monitor's sub-app; its commands live in their own modules."""

from __future__ import annotations

import typer

from proctor.cli._app import app

monitor_app = typer.Typer(
    help="Watch a training run for reward hacking: ingest trainer logs, report, audit.",
    no_args_is_help=True,
)
app.add_typer(monitor_app, name="monitor")

__all__ = ["monitor_app"]
