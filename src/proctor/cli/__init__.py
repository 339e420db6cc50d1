"""The ``proctor`` command line (typer + rich).

Each subcommand lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

from proctor.cli import _attack, _demo, _detect, _grade, _workspace  # noqa: F401  (register subcommands)
from proctor.cli._app import app


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
