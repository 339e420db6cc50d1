"""A batch ends at its ``Limits.timeouts``-th timed-out test; the rest are not run."""

from __future__ import annotations

import pytest

from proctor.sandbox import Limits, SandboxPool

HANG_ON_2_AND_5 = "def f(x):\n    while x in (2, 5):\n        pass\n    return x\n"
# catches the per-test alarm: only the supervisor's kill stops it
HANG_STUBBORNLY = (
    "def f(x):\n"
    "    while x >= 2:\n"
    "        try:\n"
    "            while True:\n"
    "                pass\n"
    "        except BaseException:\n"
    "            pass\n"
    "    return x\n"
)
INPUTS: list[list[object]] = [[i] for i in range(10)]


def _statuses(pool: SandboxPool, code: str, timeouts: int) -> tuple[list[str], str | None, list]:
    limits = Limits(wall=30.0, test=0.3, timeouts=timeouts, restarts=10)
    batch = pool.run_batch(code, "f", INPUTS, limits=limits)
    return [r.status for r in batch.results], batch.ended, batch.results


def test_the_second_timeout_ends_the_batch(pool: SandboxPool) -> None:
    statuses, ended, results = _statuses(pool, HANG_ON_2_AND_5, timeouts=2)
    assert statuses == ["ok"] * 2 + ["timeout"] + ["ok"] * 2 + ["timeout"] + ["missing"] * 4
    assert ended == "2 tests timed out"
    assert results[6].detail == "not run: the rollout ended after 2 tests timed out"


def test_without_the_cap_every_test_runs(pool: SandboxPool) -> None:
    statuses, ended, _ = _statuses(pool, HANG_ON_2_AND_5, timeouts=0)
    assert statuses == ["ok"] * 2 + ["timeout"] + ["ok"] * 2 + ["timeout"] + ["ok"] * 4
    assert ended is None


def test_one_timeout_does_not_end_the_batch(pool: SandboxPool) -> None:
    code = "def f(x):\n    while x == 2:\n        pass\n    return x\n"
    statuses, ended, _ = _statuses(pool, code, timeouts=2)
    assert statuses.count("timeout") == 1 and statuses.count("ok") == 9 and ended is None


@pytest.mark.parametrize("cap", [1, 2])
def test_hangs_that_ignore_the_alarm_count_too(pool: SandboxPool, cap: int) -> None:
    statuses, ended, _ = _statuses(pool, HANG_STUBBORNLY, timeouts=cap)
    assert statuses == ["ok"] * 2 + ["timeout"] * cap + ["missing"] * (8 - cap)
    assert ended == ("1 test timed out" if cap == 1 else "2 tests timed out")
