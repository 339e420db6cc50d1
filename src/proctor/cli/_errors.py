"""One-line errors and documented exit codes for the failures a user can meet.

Every command that reads user files or writes results is wrapped in `cli_errors`:
a bad record, a corrupt ``.gz``, a full disk or an unwritable directory ends the
command with one ``error:`` line on stderr (file:line where there is one) and an
exit code from the table in docs/cli.md, never a traceback.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from proctor.cli._app import print_error

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT_SCAN = 4
"""``scan`` and ``monitor audit`` keep 0/1/2 for ok/warning/hack: bad or empty input is 4."""
EXIT_NO_SPACE = 5
"""The disk (or quota) is full, or the output is on a read-only file system."""
EXIT_IO = 6
"""Any other error reading or writing a file (permissions, a directory where a file goes)."""

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _sqlite_full(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "full" in text or "disk i/o" in text or "readonly" in text or "read-only" in text


def cli_errors(bad_input: int = 2) -> Callable[[F], F]:
    """Decorate a command: user-fixable failures become one line and an exit code.

    ``bad_input`` is the command's code for a bad, empty or corrupt input file
    (`proctor.io.RecordError`, ``ValueError``); a full disk is `EXIT_NO_SPACE`,
    other file errors `EXIT_IO`. `typer.Exit` and ``KeyboardInterrupt`` pass through.
    """
    from proctor.io import RecordError

    def wrap(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except RecordError as exc:
                print_error(exc)
                raise typer.Exit(bad_input) from exc
            except (zlib.error, EOFError) as exc:  # a reader that did not wrap it
                print_error(f"corrupt or cut-off compressed input: {exc}")
                raise typer.Exit(bad_input) from exc
            except sqlite3.Error as exc:
                code = EXIT_NO_SPACE if _sqlite_full(exc) else EXIT_IO
                print_error(
                    f"run store: {exc}" + (" (is the disk full?)" if code == EXIT_NO_SPACE else "")
                )
                raise typer.Exit(code) from exc
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                why = exc.strerror or str(exc)
                print_error(f"{where}{why}")
                raise typer.Exit(EXIT_NO_SPACE if exc.errno in _FULL else EXIT_IO) from exc
            except UnicodeError as exc:
                print_error(f"not valid text: {exc}")
                raise typer.Exit(bad_input) from exc

        return run  # type: ignore[return-value]

    return wrap


__all__ = ["EXIT_BAD_INPUT_SCAN", "EXIT_IO", "EXIT_NO_SPACE", "cli_errors"]
