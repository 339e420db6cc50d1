"""Cancelling sandboxed work: the child is killed, `Cancelled` raised, the pool recovers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from proctor.graders import HardenedGrader
from proctor.records import Rollout, Task, TestSuite
from proctor.sandbox import Cancelled, Limits, SandboxPool, cancellable

HANG = "def f(x):\n    while True:\n        pass\n"
BIG = Task(
    id="t/big",
    prompt="def f(x):\n",
    entry_point="f",
    reference="def f(x):\n    return sum(range(x * 50)) % 97\n",
    visible=TestSuite(inputs=[[i] for i in range(10)]),
    heldout=TestSuite(inputs=[[i] for i in range(10, 200)]),
)


@pytest.fixture()
def slow_pool() -> Iterator[SandboxPool]:
    """Limits a hang would take 30 s to hit: only a cancel ends it sooner."""
    with SandboxPool(workers=1, limits=Limits(wall=60.0, test=30.0)) as pool:
        yield pool


def _set_soon(event: threading.Event, seconds: float = 0.5) -> threading.Timer:
    timer = threading.Timer(seconds, event.set)
    timer.start()
    return timer


def test_a_cancel_stops_a_running_batch(slow_pool: SandboxPool) -> None:
    stop = threading.Event()
    _set_soon(stop)
    with pytest.raises(Cancelled), cancellable(stop):
        slow_pool.run_batch(HANG, "f", [[1]])


def test_the_pool_grades_again_after_a_cancel(slow_pool: SandboxPool) -> None:
    stop = threading.Event()
    _set_soon(stop)
    with pytest.raises(Cancelled), cancellable(stop):
        slow_pool.run_batch(HANG, "f", [[1]])
    batch = slow_pool.run_batch("def f(x):\n    return x + 1\n", "f", [[1], [2]])
    assert [r.value for r in batch.results] == [2, 3]


def test_a_cancel_in_another_thread_does_not_stop_this_one(slow_pool: SandboxPool) -> None:
    """The cancel is scoped to its block's context: another thread sitting inside a
    cancelled block (its event already set) must not stop this thread's work."""
    stop, inside, done = threading.Event(), threading.Event(), threading.Event()
    stop.set()

    def hold_a_cancelled_block() -> None:
        with cancellable(stop):
            inside.set()
            done.wait(30)

    holder = threading.Thread(target=hold_a_cancelled_block)
    holder.start()
    try:
        assert inside.wait(10)
        batch = slow_pool.run_batch("def f(x):\n    return x\n", "f", [[5]])
    finally:
        done.set()
        holder.join()
    assert batch.results[0].value == 5


def test_a_cancel_reaches_every_shard_of_a_big_task() -> None:
    """The shards other than the caller's run on other threads: they see the cancel too
    and their children are killed (without it they would run their hang to the end
    and their worker would stay up)."""
    limits = Limits(wall=60.0, test=20.0, timeouts=0)
    with HardenedGrader(workers=3, limits=limits, shard_seconds=1e-9) as grader:
        assert grader.time_budget(BIG).shards == 3
        stop = threading.Event()
        _set_soon(stop, 1.0)
        rollout = Rollout(id="h", task_id=BIG.id, code=HANG)
        with pytest.raises(Cancelled), cancellable(stop):
            grader.grade(BIG, rollout)
        workers = grader.pool._all
        deadline = time.monotonic() + 15  # a liveness wait, not a timing claim
        while any(w.alive for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(w.alive for w in workers)
