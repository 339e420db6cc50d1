"""Read JSON lines from a position, telling a torn last line from a bad one in the middle."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from proctor.io import RecordError

MAX_LINE_BYTES = 64 * 2**20
"""A longer line is a bad line, not something to hold in memory (hostile files)."""

Warn = Callable[[str], None]
"""Where a warning goes (a torn last line, a cut-off gzip stream)."""
OnError = Callable[[RecordError], None] | None
"""Where a bad line goes under ``--skip-invalid``; ``None`` raises it."""


def is_gzip(path: Path) -> bool:
    """Whether ``path`` is gzip-compressed (by content, not by name)."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


class LineReader:
    """Iterate ``(line_number, object)`` of a JSONL file from a saved position.

    ``final=True`` (``ingest``): a last line *with* a newline that does not parse is
    a line torn by a crash; it is skipped with a warning naming file and line. A last
    line *without* a newline that does not parse may still be being written: it is
    left unread (the position stays before it, with a warning), so a later ingest
    reads it once complete. A bad line with more lines after it is an error
    (`RecordError`), or goes to ``on_error`` when invalid lines are skipped. A gzip
    stream cut off early is read up to the cut, with a warning; corrupt gzip data is
    an error at the line it would have been.

    ``final=False`` (``watch``: a writer may still be appending): only lines that
    end in a newline are read; the unfinished tail stays for the next poll, and so
    does a gzip stream that has not been closed yet.

    `offset` and `line` always point just past what has been consumed, so a caller
    can checkpoint after any yielded line.
    """

    def __init__(
        self,
        path: Path,
        *,
        final: bool,
        warn: Warn,
        on_error: OnError = None,
        offset: int = 0,
        line: int = 0,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.path, self.final, self._warn, self._on_error = path, final, warn, on_error
        self.offset, self.line = offset, line
        self._max = max_line_bytes

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as raw:
            if raw.read(2) == b"\x1f\x8b":
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    yield from self._lines(cast(IO[bytes], unzipped), compressed=True)
            else:
                yield from self._lines(raw, compressed=False)

    def _lines(self, f: IO[bytes], *, compressed: bool) -> Iterator[tuple[int, dict[str, Any]]]:
        pending: RecordError | None = None  # a bad line whose fate depends on what follows
        try:
            f.seek(self.offset)
            while True:
                raw = f.readline(self._max + 1)
                if not raw:
                    break
                complete = raw.endswith(b"\n")
                if not complete and len(raw) <= self._max and not self.final:
                    break  # the writer is mid-line: leave the tail for the next poll
                number = self.line + 1
                if not complete and len(raw) > self._max:
                    self._skip_rest(f)
                    raw = b"x"  # unparseable on purpose: reported like any bad line
                    reason = f"line is longer than {self._max} bytes"
                else:
                    reason = None
                if not complete and reason is None and not _parses(raw):
                    # No newline yet and not a whole record: a writer is mid-line (or
                    # crashed there). Leave the position before it, so a later ingest
                    # reads the line once it is complete instead of losing it.
                    self._warn(
                        f"{self.path}:{number}: the last line has no newline and is not "
                        "a complete record (still being written?); left for the next "
                        "ingest"
                    )
                    break
                self.offset, self.line = f.tell(), number
                if not raw.strip():
                    continue
                if pending is not None:
                    self._fail(pending)  # a bad line followed by more lines: not a torn one
                    pending = None
                try:
                    if reason is not None:
                        raise RecordError(reason, path=self.path, line=number)
                    yield number, parse_line(raw, self.path, number)
                except RecordError as err:
                    if self.final:
                        pending = err
                    else:
                        self._fail(err)
        except (EOFError, OSError, zlib.error) as exc:
            if not compressed:
                raise RecordError(f"cannot read the file: {exc}", path=self.path) from exc
            if isinstance(exc, zlib.error | gzip.BadGzipFile):
                raise RecordError(
                    f"corrupt gzip data ({exc})",
                    path=self.path,
                    line=self.line + 1,
                    hint="compress the file again, or pass it unpacked",
                ) from exc
            if not self.final:
                return  # a gzip stream still being written: try again at the next poll
            self._warn(
                f"{self.path}: the gzip stream is cut off after line {self.line} "
                f"({exc}); the lines before it were read"
            )
        if pending is not None:
            self._warn(
                f"{pending.path}:{pending.line}: the last line is incomplete or corrupt "
                f"(a write torn by a crash?); skipped it — {pending.message}"
            )

    def _fail(self, err: RecordError) -> None:
        if self._on_error is None:
            raise err
        self._on_error(err)

    def _skip_rest(self, f: IO[bytes]) -> None:
        while True:
            part = f.readline(self._max)
            if not part or part.endswith(b"\n"):
                return


def _parses(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return True


def parse_line(raw: bytes, path: Path, line: int) -> dict[str, Any]:
    """One JSON object, or a `RecordError` saying why the line is not one."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=line
        ) from exc
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 text: {exc.reason}", path=path, line=line) from exc
    except RecursionError as exc:
        raise RecordError("invalid JSON: nested too deeply", path=path, line=line) from exc
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise RecordError(f"invalid JSON: {exc}", path=path, line=line) from exc
    if not isinstance(value, dict):
        raise RecordError(
            f"expected a JSON object, got {type(value).__name__}",
            path=path,
            line=line,
            hint="write one JSON object per line",
        )
    return value
