"""A big task's tests are split across workers; the grade is the unsharded one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.graders import HardenedGrader
from proctor.graders._budget import shard_count, split_by_time
from proctor.records import Grade, Rollout, Task, TestSuite
from proctor.sandbox import Limits, cancel_event

MANY = Task(
    id="t/many",
    prompt="def f(x):\n",
    entry_point="f",
    reference="def f(x):\n    return sum(range(x * 50)) % 97\n",
    visible=TestSuite(inputs=[[i] for i in range(20)]),
    heldout=TestSuite(inputs=[[i] for i in range(20, 300)]),
)
ROLLOUTS = {
    "correct": "def f(x):\n    return sum(range(x * 50)) % 97\n",
    "wrong-on-some": "def f(x):\n    return 0 if x % 7 == 3 else sum(range(x * 50)) % 97\n",
    "raises": "def f(x):\n    if x % 11 == 0:\n        raise ValueError(x)\n    return x\n",
    "crashes-once": (
        "import os\ndef f(x):\n    if x == 150:\n        os._exit(1)\n"
        "    return sum(range(x * 50)) % 97\n"
    ),
    "hangs-once": (
        "def f(x):\n    while x == 250:\n        pass\n    return sum(range(x * 50)) % 97\n"
    ),
    "does-not-load": "def f(x):\n    return (\n",
}
NOT_DETERMINISTIC = {"wall_ms", "cpu_ms", "max_rss_kb", "judge_cpu_ms"}


def _grader(shard_seconds: float) -> HardenedGrader:
    limits = Limits(wall=30.0, test=0.5, restarts=10)
    return HardenedGrader(workers=3, limits=limits, keep_tests=True, shard_seconds=shard_seconds)


@pytest.fixture(scope="module")
def graders() -> Iterator[tuple[HardenedGrader, HardenedGrader]]:
    with _grader(1e-9) as sharded, _grader(0.0) as whole:
        yield sharded, whole


def _record(grade: Grade) -> dict[str, Any]:
    record = grade.model_dump()
    record["stats"] = {k: v for k, v in record["stats"].items() if k not in NOT_DETERMINISTIC}
    return record


@pytest.mark.parametrize("name", sorted(ROLLOUTS))
def test_sharded_grade_equals_unsharded(
    graders: tuple[HardenedGrader, HardenedGrader], name: str
) -> None:
    sharded, whole = graders
    rollout = Rollout(id=name, task_id=MANY.id, code=ROLLOUTS[name])
    assert sharded.time_budget(MANY).shards == 3 and whole.time_budget(MANY).shards == 1
    assert _record(sharded.grade(MANY, rollout)) == _record(whole.grade(MANY, rollout))


def test_shards_run_as_separate_batches_covering_every_test(
    graders: tuple[HardenedGrader, HardenedGrader], monkeypatch: pytest.MonkeyPatch
) -> None:
    sharded, _ = graders
    orders: list[list[int] | None] = []
    real = sharded.pool.run_batch

    def spy(*args: Any, **kwargs: Any):
        orders.append(kwargs.get("order"))  # None: the probe re-running one test alone
        return real(*args, **kwargs)

    monkeypatch.setattr(sharded.pool, "run_batch", spy)
    grade = sharded.grade(MANY, Rollout(id="c", task_id=MANY.id, code=ROLLOUTS["wrong-on-some"]))
    shards, probe = orders[:3], orders[3:]
    assert all(order for order in shards) and probe in ([], [None])
    assert sorted(k for order in shards for k in order or []) == list(range(300))
    assert grade.visible_total + grade.heldout_total == 300


def test_small_or_disabled_tasks_are_not_split() -> None:
    assert shard_count(0.5, 300, workers=8, shard_seconds=1.0) == 1  # small task
    assert shard_count(30.0, 300, workers=8, shard_seconds=0.0) == 1  # sharding off
    assert shard_count(30.0, 300, workers=1, shard_seconds=1.0) == 1  # one worker
    assert shard_count(2.5, 300, workers=8, shard_seconds=1.0) == 3
    assert shard_count(30.0, 300, workers=8, shard_seconds=1.0) == 8


@given(
    st.lists(st.floats(min_value=0.0, max_value=10.0), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=20),
)
def test_split_by_time_covers_every_test_once_in_order(durations: list[float], shards: int) -> None:
    parts = split_by_time(durations, shards)
    assert [k for part in parts for k in part] == list(range(len(durations)))
    assert len(parts) == min(shards, len(durations)) and all(len(p) > 0 for p in parts)


def test_a_shard_at_the_time_out_cap_stops_the_others(
    graders: tuple[HardenedGrader, HardenedGrader], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first shard hangs twice and ends the rollout. The others are made to wait
    # for the stop (as they would for a busy worker): they must then run nothing.
    sharded, _ = graders
    real = sharded._run_shard
    first: list[int] = []
    saw_stop: list[bool] = []

    def shard(task: Task, plan: Any, program: str, limits: Limits, order: Any) -> Any:
        if not first:
            first.extend(order)
            return real(task, plan, program, limits, order)
        stop = cancel_event()
        saw_stop.append(stop is not None and stop.wait(30))
        return real(task, plan, program, limits, order)  # raises Cancelled, sends nothing

    monkeypatch.setattr(sharded, "_run_shard", shard)
    hang = "def f(x):\n    while True:\n        pass\n"
    grade = sharded.grade(MANY, Rollout(id="h", task_id=MANY.id, code=hang))
    assert saw_stop == [True, True]
    tests = grade.tests or []
    assert [t.status for t in tests].count("timeout") == 2
    others = [t for k, t in enumerate(tests) if k not in first]
    assert {t.detail for t in others} == {"not run: another shard reached the time-out cap"}
    assert all(worker.alive for worker in sharded.pool._all)  # nothing was killed
