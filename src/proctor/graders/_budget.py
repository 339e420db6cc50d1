"""How long one rollout may take, and whether its tests are split across workers.

Both are decided from the reference run's timing, measured when the expected
outputs are computed and cached with them (`Expected.durations`):

- **per-test limit** = ``max(floor, factor × the reference's time on that test)``,
  with ``floor`` = ``Limits.test`` (1 s by default in the hardened grader) and
  ``factor`` = `TIME_FACTOR` (10). A slow-but-honest solution has ``factor`` times the
  reference's time on every test; a hang is cut at its test's limit, so a hang on a
  quick test costs the floor even where another test of the task is slow.
- **a rollout ends at its second timed-out test** (`TIMEOUTS_TO_END`): the tests
  not run by then fail as ``missing`` with the reason, so a program that hangs costs
  about two per-test limits, not the whole rollout budget.
- **rollout budget** = ``Limits.wall + factor × the reference's total time``: the
  backstop for a program slow on every test yet under the per-test limit.
- **shards**: a task whose reference took longer than ``shard_seconds`` on its io tests
  is split into contiguous shards of about equal reference time, at most one per
  sandbox worker, graded in parallel and merged in test order.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

TIME_FACTOR = 10.0
"""How many times the reference's time an honest solution may take (per test and per rollout)."""
TIMEOUTS_TO_END = 2
"""A rollout ends at this many timed-out tests (the grader's ``timeouts_to_end``; 0: never)."""
SHARD_SECONDS = 1.0
"""Reference seconds above which a task's tests are split into shards (0: never)."""


@dataclass(frozen=True)
class TimeBudget:
    """The time limits one rollout of a task is graded under, and where they come from."""

    per_test_s: float
    """The largest per-test limit: seconds the task's slowest test may run before it is
    stopped and counted as timed out (each test's own limit is `test_limit` of its
    reference time; quicker tests get less, never under the floor)."""
    rollout_s: float
    """Seconds one run of the rollout's io tests may take in all (loading included)."""
    timeouts_to_end: int
    """Timed-out tests after which the rest are not run (0: never)."""
    reference_slowest_s: float
    """The reference's slowest test, from its expected-output run."""
    reference_total_s: float
    """The reference's time on all io tests, from its expected-output run."""
    floor_s: float
    """The least per-test limit (``Limits.test``)."""
    factor: float
    """The multiple of the reference's time allowed."""
    shards: int = 1
    """How many parts the io tests are split into (1: not split)."""


def test_limit(floor_s: float, reference_s: float, factor: float = TIME_FACTOR) -> float:
    """Seconds a test may run whose reference took ``reference_s``."""
    return max(floor_s, factor * reference_s)


def time_budget(
    floor_s: float,
    wall_s: float,
    reference_slowest_s: float,
    reference_total_s: float,
    factor: float = TIME_FACTOR,
    timeouts_to_end: int = TIMEOUTS_TO_END,
    shards: int = 1,
) -> TimeBudget:
    """The budget for a task whose reference took ``reference_slowest_s`` on its slowest
    test and ``reference_total_s`` in all (see the module docstring)."""
    return TimeBudget(
        per_test_s=test_limit(floor_s, reference_slowest_s, factor),
        rollout_s=wall_s + factor * reference_total_s,
        timeouts_to_end=timeouts_to_end,
        reference_slowest_s=reference_slowest_s,
        reference_total_s=reference_total_s,
        floor_s=floor_s,
        factor=factor,
        shards=shards,
    )


def shard_count(reference_total_s: float, tests: int, workers: int, shard_seconds: float) -> int:
    """How many shards a task's ``tests`` io tests go into: about ``shard_seconds`` of the
    reference's time each, at most one per worker and one per test; 1 when
    ``shard_seconds`` is 0 (sharding off) or the task is small."""
    if shard_seconds <= 0 or workers < 2 or tests < 2 or reference_total_s <= shard_seconds:
        return 1
    return max(1, min(workers, tests, math.ceil(reference_total_s / shard_seconds)))


def split_by_time(durations: list[float], shards: int) -> list[range]:
    """Contiguous ranges of test indexes with about equal total duration each.

    Every index is in exactly one range, in order; no range is empty (there are at
    most as many ranges as tests). Zero durations count as a tiny cost so tests the
    reference ran instantly still spread out.
    """
    n = len(durations)
    shards = max(1, min(shards, n)) if n else 1
    if shards == 1:
        return [range(n)]
    cost = [max(d, 1e-6) for d in durations]
    total = sum(cost)
    bounds = [0]
    running = 0.0
    for i, c in enumerate(cost):
        running += c
        # close a shard once its share is reached, leaving one test for each shard to come
        still = shards - len(bounds)
        if still > 0 and running >= total * len(bounds) / shards and n - (i + 1) >= still:
            bounds.append(i + 1)
    bounds.append(n)
    while len(bounds) < shards + 1:  # too few cuts (very uneven times): split the largest
        widest = max(range(len(bounds) - 1), key=lambda k: bounds[k + 1] - bounds[k])
        bounds.insert(widest + 1, (bounds[widest] + bounds[widest + 1]) // 2)
    return [range(a, b) for a, b in itertools.pairwise(bounds)]
