"""Every held-out test in its own fresh child (``test_isolation="fresh"``).

State kept between tests (a cache, a counter, anything a module-level name holds)
can make a program right only after it has seen earlier inputs. The default probe
re-runs one held-out test alone; this mode re-runs every one: each held-out input
travels alone to a child forked from the clean template, so no test sees another's
state. What a test does alone is its result. A test that passed in the shared run
and fails alone is flagged (`ORDER_DEPENDENT`).

It costs one child per held-out test (a fork and a program load each: tens of
milliseconds), so it is an option, not the default.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from proctor.sandbox import CallResult, Limits, SandboxPool

ORDER_DEPENDENT = "order-dependent: fails when run alone in a fresh process"
"""The failure detail of a test that passed with the others and fails alone."""

Passes = Callable[[int, CallResult], bool]
"""``passes(k, result)``: whether ``result`` passes test slot ``k`` (the judge's verdict)."""


@dataclass
class AloneRuns:
    """What running the held-out tests alone found and cost."""

    flagged: list[int] = field(default_factory=list)
    """Slots that passed in the shared run and failed alone."""
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    runs: int = 0


def alone_limits(limits: Limits) -> Limits:
    """Limits for a child that loads the program and runs one test: an honest one needs
    at most one test's time to load and one to answer."""
    return limits.model_copy(update={"wall": min(limits.wall, 2 * limits.test + 1.0)})


def run_each_alone(
    pool: SandboxPool,
    program: str,
    entry_point: str,
    heldout: Sequence[tuple[int, Sequence[Any]]],
    results: list[CallResult],
    passes: Passes,
    limits: Limits,
    known: Callable[[int], Sequence[bytes | None] | None],
    budget_s: float,
) -> AloneRuns:
    """Run each held-out test ``(slot, args)`` alone in a fresh child; its result there
    replaces ``results[slot]`` in place.

    ``known(slot)``: the expected value's digest for that slot's one-test run (index 0),
    as `proctor.sandbox.decode_records` takes it, or None. ``budget_s``: thread CPU the
    judge may spend decoding all of these runs together (correct lines matched by digest
    cost nothing).
    """
    found = AloneRuns()
    one = alone_limits(limits)
    spent_by = time.thread_time() + budget_s
    for slot, args in heldout:
        batch = pool.run_batch(
            program,
            entry_point,
            [list(args)],
            limits=one,
            known=known(slot),
            decode_budget_s=max(0.0, spent_by - time.thread_time()),
        )
        found.runs += 1
        found.cpu_s += batch.cpu_s
        found.max_rss_kb = max(found.max_rss_kb, batch.max_rss_kb)
        alone = batch.results[0]
        if batch.load_error is not None:  # it loaded with the others: not here
            alone = CallResult("error", detail=f"failed to load alone: {batch.load_error}")
        if not passes(slot, alone) and passes(slot, results[slot]):
            found.flagged.append(slot)
            alone = CallResult("error", detail=ORDER_DEPENDENT)
        results[slot] = alone
    return found


__all__ = ["ORDER_DEPENDENT", "AloneRuns", "alone_limits", "run_each_alone"]
