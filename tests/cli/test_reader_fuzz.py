"""Fuzz the commands that read user files: whatever the bytes, never a traceback.

Each example is a rollout file damaged one way (truncated, byte noise, a huge line,
wrong types, a bad gzip stream); the command runs through typer's runner and must
end with a documented exit code and no traceback.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from proctor.cli import app

TASK = {
    "id": "t/add",
    "entry_point": "add",
    "reference": "def add(a, b):\n    return a + b\n",
    "visible": {"inputs": [[1, 2]]},
}
GOOD = [
    {
        "id": f"r{i}",
        "task_id": "t/add",
        "completion": "def add(a, b):\n    return a + b\n",
        "step": i,
    }
    for i in range(3)
]
TEXT = "".join(json.dumps(r) + "\n" for r in GOOD).encode()

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A rollout file, damaged by one of the ways files break in practice."""
    how = draw(
        st.sampled_from(["truncate", "noise", "huge", "types", "gzip_cut", "gzip_noise", "empty"])
    )
    if how == "truncate":
        return TEXT[: draw(st.integers(0, len(TEXT)))]
    if how == "noise":
        data = bytearray(TEXT)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "huge":
        return TEXT + b'{"id": "' + b"x" * (2**16) + b'"}\n' + TEXT
    if how == "types":
        row = dict(GOOD[0])
        row[draw(st.sampled_from(["id", "task_id", "completion", "step", "meta", "reward"]))] = (
            draw(JSON_VALUES)
        )
        return (json.dumps(row) + "\n").encode() + TEXT
    if how == "empty":
        return draw(st.sampled_from([b"", b"\n\n", b"   \n"]))
    packed = gzip.compress(TEXT * 4)
    if how == "gzip_cut":
        return packed[: draw(st.integers(2, len(packed) - 1))]
    data = bytearray(packed)
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(10, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data)


def _no_traceback(args: list[str], codes: set[int]) -> None:
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {result.exception!r}") from result.exception
    assert result.exit_code in codes, (result.exit_code, result.output)


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture()
def tasks(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(TASK) + "\n")
    return path


@SETTINGS
@given(data=damaged(), suffix=st.sampled_from([".jsonl", ".jsonl.gz", ".json"]))
def test_monitor_ingest_never_tracebacks(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    root = tmp_path_factory.mktemp("ingest")
    path = root / f"rollouts{suffix}"
    path.write_bytes(data)
    _no_traceback(["monitor", "ingest", str(root / "run"), str(path)], {0, 2, 5, 6})


@SETTINGS
@given(data=damaged(), suffix=st.sampled_from([".jsonl", ".jsonl.gz", ".json"]))
def test_detect_readers_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, tasks: Path, data: bytes, suffix: str
) -> None:
    """``grade`` and ``detect`` share ``load_inputs``; reading stops before any sandbox."""
    root = tmp_path_factory.mktemp("detect")
    path = root / f"rollouts{suffix}"
    path.write_bytes(data)
    import typer

    from proctor.cli._grade import load_inputs

    try:
        load_inputs(tasks, path, "base", "plus", False)
    except typer.Exit as exit_:
        assert exit_.exit_code == 2
    except zlib.error as exc:  # pragma: no cover - the failure this test exists for
        raise AssertionError("a zlib.error escaped the reader") from exc


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=damaged())
def test_scan_never_tracebacks_on_bad_input(
    tmp_path_factory: pytest.TempPathFactory, tasks: Path, data: bytes
) -> None:
    root = tmp_path_factory.mktemp("scan")
    path = root / "rollouts.jsonl"
    path.write_bytes(data)
    # 0/1/2: it read something and scanned it; 3 no sandbox; 4 bad or empty input.
    _no_traceback(
        ["scan", "--tasks", str(tasks), "--rollouts", str(path), "--out", str(root / "out")],
        {0, 1, 2, 3, 4},
    )
