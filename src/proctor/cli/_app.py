"""The typer application shared by every subcommand module."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="proctor",
    help=(
        "Catch reward hacking in RL post-training.\n\n"
        "Start with `proctor demo`: it grades honest and hacked solutions with the\n"
        "naive graders real RL runs use and with proctor's hardened grader, side by side."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

# Progress bars and tables go to stderr so stdout stays machine-readable.
err_console = Console(stderr=True)
out_console = Console()


def print_error(message: object, *, label: str = "error", style: str = "red") -> None:
    """Print ``label: message`` to stderr, the message escaped.

    Messages carry file paths, user data and install hints such as
    ``pip install 'proctor[serve]'``; unescaped, rich reads ``[serve]`` as markup
    and prints ``pip install 'proctor'``.
    """
    from rich.markup import escape

    # soft_wrap: one line whatever the width (the terminal wraps it, rich does not cut it)
    err_console.print(
        f"[{style}]{label}:[/] {escape(str(message))}", highlight=False, soft_wrap=True
    )


def install_hint(extra: str) -> str:
    """The command that installs proctor's optional ``extra`` (print it with `print_error`)."""
    return f"pip install 'proctor[{extra}]'"
