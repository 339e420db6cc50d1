"""Iterate the records of ``.jsonl``, ``.jsonl.gz`` and ``.json`` (a list) files."""

from __future__ import annotations

import contextlib
import gzip
import json
import zlib
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

from proctor.io._errors import ErrorCallback, RecordError, report

MAX_LINE_BYTES = 64 * 2**20
"""A longer line is reported as an error instead of being read into memory: a
corrupt or hostile file (one huge line, a gzip bomb) must not take the judge down."""
MAX_JSON_BYTES = 1024 * 2**20
"""The same guard for a whole-file ``.json`` list."""


class _Binary(Protocol):
    """What the readers need of a plain or gzip file."""

    def read(self, size: int = -1, /) -> bytes: ...
    def readline(self, size: int = -1, /) -> bytes: ...


def iter_records(
    path: str | PathLike[str],
    *,
    on_error: ErrorCallback | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, record)`` for each JSON object in ``path``.

    ``.jsonl`` holds one object per line; blank lines are skipped. ``.json`` holds
    one list of objects, and the line number is where each object starts. Either
    may be gzip-compressed (recognised by content, not by name). A record that is
    not valid JSON or not an object raises `RecordError`; with ``on_error`` it is
    passed there instead and reading goes on. A ``.json`` file that does not
    parse at all always raises: there is no next record to go on with.
    """
    is_list = Path(path).name.removesuffix(".gz").endswith(".json")
    with _open(path) as f:
        if is_list:
            yield from _json_list(path, f, on_error)
        else:
            yield from _json_lines(path, f, on_error, max_line_bytes)


@contextlib.contextmanager
def _open(path: str | PathLike[str]) -> Iterator[_Binary]:
    with open(path, "rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic != b"\x1f\x8b":
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped


def _json_lines(
    path: str | PathLike[str], f: _Binary, on_error: ErrorCallback | None, max_line_bytes: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    while True:
        try:
            raw = f.readline(max_line_bytes + 1)
        except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupt gzip stream
            raise RecordError(
                f"cannot read the file: {_why(exc)}",
                path=path,
                line=number + 1,
                hint=_GZIP_HINT if _is_gzip_error(exc) else None,
            ) from exc
        if not raw:
            return
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(f, max_line_bytes)
            msg = f"line is longer than the {_size(max_line_bytes)} limit"
            report(RecordError(msg, path=path, line=number, hint="is this really JSONL?"), on_error)
            continue
        if not raw.strip():
            continue
        try:
            record = _parse(raw, path, number)
        except RecordError as err:
            report(err, on_error)
            continue
        yield number, record


_GZIP_HINT = "the gzip stream is corrupt or cut off: compress the file again, or pass it unpacked"


def _is_gzip_error(exc: BaseException) -> bool:
    return isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile)


def _why(exc: BaseException) -> str:
    """``OSError.strerror`` reads better than its repr; the others as they are."""
    if isinstance(exc, zlib.error):
        return f"corrupt gzip data ({exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n} byte"


def _skip_rest_of_line(f: _Binary, chunk: int) -> None:
    while True:
        part = f.readline(chunk)
        if not part or part.endswith(b"\n"):
            return


def _parse(raw: bytes, path: str | PathLike[str], line: int) -> dict[str, Any]:
    """One JSON object, or a `RecordError` saying why the line is not one."""
    raw = raw.strip()
    try:
        value = json.loads(raw)  # from bytes, json detects UTF-8/16/32 and a BOM itself
    except json.JSONDecodeError as exc:
        # Inside one JSON line a newline can only be escaped, so lineno is 1.
        msg = f"invalid JSON: {exc.msg} (column {exc.colno})"
        cut = exc.pos >= len(exc.doc) or exc.msg.startswith("Unterminated string")
        hint = "the record ends early: was the line cut off?" if cut else None
        raise RecordError(msg, path=path, line=line, hint=hint) from exc
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 text: {exc.reason}", path=path, line=line) from exc
    except RecursionError as exc:
        raise RecordError("invalid JSON: nested too deeply", path=path, line=line) from exc
    except ValueError as exc:  # e.g. an integer past Python's 4300-digit conversion limit
        raise RecordError(f"invalid JSON: {exc}", path=path, line=line) from exc
    if not isinstance(value, dict):
        raise RecordError(
            f"expected a JSON object, got a JSON {_json_type(value)}",
            path=path,
            line=line,
            hint='write one object per line, like {"id": ...}',
        )
    return value


def _json_list(
    path: str | PathLike[str], f: _Binary, on_error: ErrorCallback | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = f.read(MAX_JSON_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise RecordError(
            f"cannot read the file: {_why(exc)}",
            path=path,
            hint=_GZIP_HINT if _is_gzip_error(exc) else None,
        ) from exc
    if len(data) > MAX_JSON_BYTES:
        msg = f"file is larger than the {_size(MAX_JSON_BYTES)} limit for .json"
        raise RecordError(msg, path=path, hint="use JSONL (one record per line) for big files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 text: {exc.reason}", path=path) from exc
    lines = _LineCounter(text)
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        raise RecordError(
            "a .json file must hold a list of records",
            path=path,
            line=lines.at(pos),
            hint="write [{...}, {...}], or use .jsonl with one object per line",
        )
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, pos + 1)
    first = True
    while not text.startswith("]", pos):
        if not first:
            if not text.startswith(",", pos):
                msg = "invalid JSON: expected ',' or ']' after a list element"
                raise RecordError(msg, path=path, line=lines.at(pos))
            pos = _skip_ws(text, pos + 1)
        first = False
        line = lines.at(pos)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise RecordError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
        except RecursionError as exc:
            raise RecordError("invalid JSON: nested too deeply", path=path, line=line) from exc
        except ValueError as exc:  # e.g. an integer past the 4300-digit conversion limit
            raise RecordError(f"invalid JSON: {exc}", path=path, line=line) from exc
        pos = _skip_ws(text, pos)
        if isinstance(value, dict):
            yield line, value
        else:
            msg = f"expected a JSON object in the list, got a JSON {_json_type(value)}"
            report(RecordError(msg, path=path, line=line), on_error)
    end = _skip_ws(text, pos + 1)
    if end < len(text):
        raise RecordError("unexpected text after the list", path=path, line=lines.at(end))


class _LineCounter:
    """Line numbers of increasing offsets, counting each newline once (not O(n²))."""

    def __init__(self, text: str) -> None:
        self._text, self._pos, self._line = text, 0, 1

    def at(self, pos: int) -> int:
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else type(value).__name__
