"""The expected-output cache: written only when it changed, values decoded only on demand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _add_task import ADD
from proctor.graders._expected import ExpectedOutputs
from proctor.graders._hardened import known_line
from proctor.sandbox import SandboxPool
from proctor.sandbox._pool import expected_line
from proctor.sandbox.runtime import codec


def test_a_hit_writes_nothing(pool: SandboxPool, tmp_path: Path) -> None:
    first = ExpectedOutputs(pool, tmp_path)
    computed = first.get(ADD, ADD.heldout)
    [entry] = tmp_path.iterdir()
    written = entry.stat().st_mtime_ns
    again = ExpectedOutputs(pool, tmp_path)  # a new process: the disk entry is a hit
    loaded = again.get(ADD, ADD.heldout)
    assert (first.writes, again.writes) == (1, 0)
    assert entry.stat().st_mtime_ns == written
    assert loaded.values == computed.values == [0, 0, 15, 4]


def test_loading_decodes_no_value(
    pool: SandboxPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    calls = []
    real = codec.loads

    def counting(text: str | bytes) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(codec, "loads", counting)
    loaded = ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    assert calls == []
    assert loaded.value(2) == 15 and len(calls) == 1


def test_an_older_entry_is_converted_once(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    [entry] = tmp_path.iterdir()
    new = json.loads(entry.read_text())
    old = {
        "values": [codec.loads(t) for t in new["encoded"]],
        "valid": new["valid"],
        "durations": new["durations"],
        "problems": [],
        "output_bytes": 0,
    }
    entry.write_text(codec.dumps(old))  # format 1: decoded values, no format field
    converting = ExpectedOutputs(pool, tmp_path)
    assert converting.get(ADD, ADD.heldout).values == [0, 0, 15, 4]
    settled = ExpectedOutputs(pool, tmp_path)
    settled.get(ADD, ADD.heldout)
    assert (converting.writes, settled.writes) == (1, 0)
    assert json.loads(entry.read_text())["format"] == 2


def test_a_damaged_entry_is_recomputed(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    [entry] = tmp_path.iterdir()
    entry.write_text('{"format": 2, "encoded": [1, 2')
    again = ExpectedOutputs(pool, tmp_path)
    assert again.get(ADD, ADD.heldout).values == [0, 0, 15, 4] and again.writes == 1


@pytest.mark.parametrize(
    "value",
    [
        0,
        -7,
        2**80,
        1.5,
        float("inf"),
        'quote " and \\ and é',
        None,
        True,
        [1, [2, "x"]],
        (1, 2),
        {"a": 1},
        {3, 1, 2},
        frozenset({"z"}),
        b"\x00\xff",
    ],
)
def test_known_line_is_the_line_a_child_writes(value: Any) -> None:
    assert known_line(4, codec.dumps(value)) == expected_line(4, value)
