"""The ``proctor`` command line (typer + rich).

Each subcommand lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

# importing a module registers its subcommands on `app`
from proctor.cli import (  # noqa: F401
    _attack,
    _audit,
    _bench_mitigations,
    _demo,
    _detect,
    _grade,
    _implicit,
    _lab,
    _lab_llm,
    _monitor,
    _monitor_ingest,
    _monitor_report,
    _probe,
    _scan,
    _serve,
    _workspace,
)
from proctor.cli._app import app


def main() -> None:
    """Console entry point."""
    app()


__all__ = ["app", "main"]
