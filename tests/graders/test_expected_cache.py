"""The expected-output cache: written only when it changed, values read and decoded only on demand."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from _add_task import ADD
from proctor.graders._expected import Expected, ExpectedOutputs
from proctor.sandbox import SandboxPool
from proctor.sandbox._pool import decode_records, expected_line
from proctor.sandbox.runtime import codec


def _entry(cache: Path) -> tuple[Path, Path]:
    """The one cached suite's head and values files."""
    [values] = cache.glob("*.values.json")
    [head] = [p for p in cache.glob("*.json") if p != values]
    return head, values


def test_a_hit_writes_nothing(pool: SandboxPool, tmp_path: Path) -> None:
    first = ExpectedOutputs(pool, tmp_path)
    computed = first.get(ADD, ADD.heldout)
    head, values = _entry(tmp_path)
    written = head.stat().st_mtime_ns, values.stat().st_mtime_ns
    again = ExpectedOutputs(pool, tmp_path)  # a new process: the disk entry is a hit
    loaded = again.get(ADD, ADD.heldout)
    assert (first.writes, again.writes) == (1, 0)
    assert (head.stat().st_mtime_ns, values.stat().st_mtime_ns) == written
    assert loaded.values == computed.values == [0, 0, 15, 4]


def test_loading_reads_no_value_text(
    pool: SandboxPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    calls = []
    real = codec.loads

    def counting(text: str | bytes) -> Any:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(codec, "loads", counting)
    loaded = ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    assert not loaded.loaded and calls == []
    assert loaded.digests == computed.digests and loaded.durations == computed.durations
    assert loaded.value(2) == 15 and len(calls) == 1 and loaded.loaded


def test_a_missing_values_file_is_recomputed_when_needed(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    _, values = _entry(tmp_path)
    values.unlink()
    again = ExpectedOutputs(pool, tmp_path)
    loaded = again.get(ADD, ADD.heldout)
    assert again.computed == 0  # the head is enough to build a plan
    assert loaded.values == [0, 0, 15, 4] and again.computed == 1 and values.exists()


def test_recomputed_values_must_have_the_cached_digests(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    head, values = _entry(tmp_path)
    data = json.loads(head.read_text())
    digests = data["digests"]  # as if the reference had answered test 2 otherwise before
    data["digests"] = digests[:64] + "00" * 16 + digests[96:]
    head.write_text(json.dumps(data))
    values.unlink()
    loaded = ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    with pytest.raises(ValueError, match="reference now gives other answers"):
        loaded.value(0)


def test_an_older_entry_is_converted_once(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    head, values = _entry(tmp_path)
    old = {
        "values": [0, 0, 15, 4],
        "valid": [True] * 4,
        "durations": json.loads(head.read_text())["durations"],
        "problems": [],
        "output_bytes": 0,
    }
    values.unlink()
    head.write_text(codec.dumps(old))  # format 1: decoded values, no format field
    converting = ExpectedOutputs(pool, tmp_path)
    assert converting.get(ADD, ADD.heldout).values == [0, 0, 15, 4]
    settled = ExpectedOutputs(pool, tmp_path)
    settled.get(ADD, ADD.heldout)
    assert (converting.writes, settled.writes, converting.computed) == (1, 0, 0)
    assert json.loads(head.read_text())["format"] == 3 and values.exists()


def test_a_format_2_entry_is_converted(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    head, values = _entry(tmp_path)
    data = json.loads(head.read_text())
    two = {k: data[k] for k in ("encoder", "valid", "durations", "problems", "output_bytes")}
    head.write_text(json.dumps({**two, "format": 2, "encoded": json.loads(values.read_text())}))
    values.unlink()
    converting = ExpectedOutputs(pool, tmp_path)
    assert converting.get(ADD, ADD.heldout).values == [0, 0, 15, 4]
    assert (converting.writes, converting.computed) == (1, 0) and values.exists()


def test_a_damaged_entry_is_recomputed(pool: SandboxPool, tmp_path: Path) -> None:
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    head, _ = _entry(tmp_path)
    head.write_text('{"format": 3, "digests": [1, 2')
    again = ExpectedOutputs(pool, tmp_path)
    assert again.get(ADD, ADD.heldout).values == [0, 0, 15, 4] and again.writes == 1


def test_an_entry_pickles_with_its_texts(pool: SandboxPool, tmp_path: Path) -> None:
    # a Ray node ships expected outputs to the others: the texts travel, not a file name
    ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    loaded = ExpectedOutputs(pool, tmp_path).get(ADD, ADD.heldout)
    assert not loaded.loaded
    for path in tmp_path.iterdir():
        path.unlink()
    copy = pickle.loads(pickle.dumps(loaded))
    assert copy.values == [0, 0, 15, 4] and copy.digests == loaded.digests


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
def test_a_child_line_of_the_value_matches_its_digest(value: Any) -> None:
    digest = Expected.of_values([value], [True], [0.0], []).digests[0]
    line = expected_line(4, value)  # what a sandbox child writes when test 4 returns value
    assert decode_records(line, 5, [None] * 4 + [digest])[4].matched


def test_grading_right_answers_reads_no_value(tmp_path: Path) -> None:
    # every right answer, the order-dependence probe's included, passes on its digest
    from proctor.graders import HardenedGrader
    from proctor.records import Rollout

    right = Rollout(id="r", task_id=ADD.id, code="def add(a, b):\n    return a + b\n")
    with HardenedGrader(workers=1, cache_dir=tmp_path) as first:
        first.grade(ADD, right)
    with HardenedGrader(workers=1, cache_dir=tmp_path, test_isolation="probe") as second:
        grade = second.grade(ADD, right)
        slots = second._plan(ADD).slots
    assert (grade.proxy, grade.gold) == (1.0, 1.0)
    assert not any(expected.loaded for _, _, expected, _ in slots)
