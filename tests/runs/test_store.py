"""The run store: round trip, idempotence, concurrent readers, refusing foreign files."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proctor.records import Grade, Rollout, Verdict
from proctor.runs import RunStore, Scalar, StoreError

_text = st.text(min_size=1, max_size=40)
_rollout = st.builds(
    Rollout,
    id=_text,
    task_id=_text,
    code=st.text(max_size=300),
    step=st.none() | st.integers(0, 10_000),
    group=st.none() | _text,
    reward=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    meta=st.dictionaries(_text, st.none() | st.integers() | st.text(max_size=20), max_size=3),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rollouts=st.lists(_rollout, max_size=30, unique_by=lambda r: r.id))
def test_rollouts_round_trip_exactly(
    tmp_path_factory: pytest.TempPathFactory, rollouts: list[Rollout]
) -> None:
    run = tmp_path_factory.mktemp("run")
    with RunStore(run, sync="normal") as store:
        assert store.add_rollouts(rollouts) == len(rollouts)
        back = list(store.rollouts())
    # Ordered by step (no step first), then insertion.
    order = sorted(
        range(len(rollouts)), key=lambda i: (rollouts[i].step is not None, rollouts[i].step or 0, i)
    )
    assert back == [rollouts[i] for i in order]


def _grade(rid: str, gold: float = 1.0) -> Grade:
    return Grade(rollout_id=rid, task_id="t", grader="hardened", proxy=1.0, gold=gold)


def _verdict(rid: str, detector: str = "ensemble", label: str = "clean") -> Verdict:
    return Verdict.model_validate(
        {"rollout_id": rid, "detector": detector, "spec": {"name": detector}, "label": label}
    )


def test_adding_the_same_records_twice_stores_them_once(tmp_path: Path) -> None:
    rollout = Rollout(id="r1", task_id="t", code="x = 1", step=0)
    with RunStore(tmp_path) as store:
        assert store.add_rollouts([rollout]) == 1
        assert store.add_grades([_grade("r1")]) == 1
        assert store.add_verdicts([_verdict("r1"), _verdict("r1", "static")]) == 2
        assert store.add_scalars([Scalar(step=0, name="kl", value=0.1)]) == 1
        assert store.add_rollouts([rollout]) == 0
        assert store.add_grades([_grade("r1", gold=0.0)]) == 0  # first write wins
        assert store.add_verdicts([_verdict("r1", label="hack")]) == 0
        assert store.add_scalars([Scalar(step=0, name="kl", value=0.2)]) == 0
        assert store.counts() == {
            "rollouts": 1,
            "grades": 1,
            "verdicts": 2,
            "scalars": 1,
            "steps": 1,
        }
        assert [g.gold for g in store.grades()] == [1.0]
        assert [v.label for v in store.verdicts()] == ["clean"]
        assert [v.detector for v in store.verdicts(None)] == ["ensemble", "static"]


def test_nan_scalar_reads_back_as_nan_and_meta_round_trips(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        store.add_scalars(
            [Scalar(step=2, name="kl", value=math.nan), Scalar(step=1, name="kl", value=0.5)]
        )
        store.set_meta("run", {"name": "r", "onset_step": None})
        store.set_meta("run", {"name": "r2"})
        scalars = list(store.scalars())
        assert [s.step for s in scalars] == [1, 2] and math.isnan(scalars[1].value)
        assert store.meta() == {"run": {"name": "r2"}}
        assert store.steps() == [1, 2]


def test_reader_sees_committed_rows_while_a_writer_holds_a_transaction(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        store.add_rollouts([Rollout(id="r1", task_id="t", code="x", step=0)])
    writer = sqlite3.connect(tmp_path / "run.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO rollouts (id, step, task_id, json) VALUES ('r2', 0, 't', '{}')")
    try:
        with RunStore(tmp_path, readonly=True, timeout=0.5) as reader:
            assert [r.id for r in reader.rollouts()] == ["r1"]  # no wait, no uncommitted row
            with pytest.raises(StoreError, match="read-only"):
                reader.add_rollouts([Rollout(id="r3", task_id="t", code="x")])
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "run.sqlite")
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a proctor run store"):
        RunStore(tmp_path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    (tmp_path / "run.sqlite").write_bytes(b"hello, not a database" * 100)
    with pytest.raises(StoreError, match="not a proctor run store"):
        RunStore(tmp_path)


def test_a_store_from_a_newer_proctor_is_refused(tmp_path: Path) -> None:
    RunStore(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "run.sqlite")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer proctor"):
        RunStore(tmp_path, readonly=True)


def test_reading_a_missing_store_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="proctor monitor ingest"):
        RunStore(tmp_path / "nothing", readonly=True)
