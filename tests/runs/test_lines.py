"""Reading JSONL: torn last lines, bad lines in the middle, unfinished tails, gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proctor.io import RecordError
from proctor.runs._lines import LineReader

ROWS = [{"id": f"r{i}", "task_id": "t", "code": "x = 1\n" * i} for i in range(6)]
TEXT = "".join(json.dumps(r) + "\n" for r in ROWS).encode()


def _read(path: Path, **kw: object) -> tuple[list[int], list[str], LineReader]:
    warnings: list[str] = []
    reader = LineReader(path, warn=warnings.append, **kw)  # type: ignore[arg-type]
    return [n for n, _ in reader], warnings, reader


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, len(TEXT)))
def test_a_file_cut_anywhere_yields_exactly_its_complete_records(
    tmp_path_factory: pytest.TempPathFactory, cut: int
) -> None:
    path = tmp_path_factory.mktemp("cut") / "r.jsonl"
    path.write_bytes(TEXT[:cut])
    lines, warnings, _ = _read(path, final=True)
    prefix = TEXT[:cut]
    complete = prefix.count(b"\n")
    tail = prefix[prefix.rfind(b"\n") + 1 :]
    whole_tail = bool(tail) and tail == json.dumps(ROWS[complete]).encode()  # only "\n" missing
    assert lines == list(range(1, complete + 1 + whole_tail))
    assert bool(warnings) == (bool(tail) and not whole_tail)


def test_torn_last_line_warning_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(TEXT + b'{"id": "r9", "ta')
    lines, warnings, _ = _read(path, final=True)
    assert lines == [1, 2, 3, 4, 5, 6]
    assert len(warnings) == 1 and f"{path}:7" in warnings[0]


def test_bad_line_in_the_middle_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = TEXT.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + b"{nope\n" + b"".join(lines[2:]))
    with pytest.raises(RecordError) as info:
        _read(path, final=True)
    assert (info.value.path, info.value.line) == (str(path), 3)


def test_skip_invalid_collects_the_bad_line_and_reads_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = TEXT.splitlines(keepends=True)
    path.write_bytes(lines[0] + b"[1, 2]\n" + lines[1])
    bad: list[RecordError] = []
    numbers, _, _ = _read(path, final=True, on_error=bad.append)
    assert numbers == [1, 3] and [e.line for e in bad] == [2]


def test_unfinished_tail_waits_for_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(TEXT[:-5])  # the writer is mid-way through line 6
    numbers, warnings, reader = _read(path, final=False)
    assert numbers == [1, 2, 3, 4, 5] and warnings == []
    path.write_bytes(TEXT)
    more, _, _ = _read(path, final=False, offset=reader.offset, line=reader.line)
    assert more == [6]


def test_gzip_stream_cut_off_is_read_up_to_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl.gz"
    packed = gzip.compress(TEXT * 200)
    path.write_bytes(packed[: len(packed) // 2])
    numbers, warnings, _ = _read(path, final=True)
    assert 0 < len(numbers) < 1200 and numbers == list(range(1, len(numbers) + 1))
    assert len(warnings) == 1 and "cut off" in warnings[0]


def test_an_overlong_line_is_a_bad_line_not_a_memory_blowup(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "' + b"x" * 5000 + b'"}\n' + TEXT)
    with pytest.raises(RecordError, match="longer than"):
        _read(path, final=True, max_line_bytes=1000)
