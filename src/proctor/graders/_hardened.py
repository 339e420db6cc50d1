"""The hardened grader: split trust between a sandboxed child and a trusted judge.

The child gets the program and the test *inputs*, nothing else. It sends back
plain data (exact built-in types) over a private pipe. The judge, which never
runs the program, holds the expected outputs, compares strictly, ignores exit
codes and stdout, and counts a test with no result as failed. Assert-style
tests run here in the judge against a `candidate` proxy whose calls are
forwarded to the sandbox. See docs/threat-model.md.
"""

from __future__ import annotations

import reprlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proctor.graders._base import Grader
from proctor.graders._compare import CompareMode, outputs_match, poly_root_ok
from proctor.graders._expected import Expected, ExpectedOutputs, default_cache_dir
from proctor.graders._registry import register_grader
from proctor.io._program import program_for
from proctor.records import ExecStats, Grade, Rollout, Task, TestOutcome, TestStatus, TestSuite
from proctor.sandbox import CallResult, InfraError, Isolation, Limits, SandboxPool, Session
from proctor.sandbox._pool import expected_line, line_digest
from proctor.sandbox.runtime import codec

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
MAX_FAILURES_KEPT = 5
HIDDEN = "held-out expected value hidden (show_heldout_expected=True shows it)"


def _show(value: Any) -> str:
    """A short repr for evidence. Never raises: repr() of an int past 4300 digits does."""
    try:
        return _SHORT.repr(value)
    except ValueError:
        return f"<{type(value).__name__} too large to show>"


class CandidateFailed(Exception):
    """A forwarded call did not return a value (it raised, timed out or crashed)."""


class _Candidate:
    """Stands in for the graded function inside assert-style test code."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError("keyword arguments are not forwarded to the sandbox")
        result = self._session.call(list(args))
        if result.status != "ok":
            raise CandidateFailed(f"{result.status}: {result.detail}")
        return result.value


class _Plan:
    """Everything about a task that is the same for every rollout: computed once."""

    def __init__(
        self,
        suites: list[tuple[str, TestSuite, Expected]],
        oracle: str,
        accepts: Callable[[list[Any], Any, Any], bool] | None = None,
    ) -> None:
        """``accepts(args, output, expected)``: the judge's own verdict, used to check
        that the reference passes every test whose expected value it computed."""
        self.checks = [(name, suite) for name, suite, _ in suites if suite.kind == "assert"]
        self.slots: list[
            tuple[str, int, Any, list[Any]]
        ] = []  # (suite, test index, expected, args)
        self.excluded = 0
        dropped: list[str] = []
        durations = 0.0
        slowest = 0.0
        self.output_bytes = 0
        for name, suite, expected in suites:
            if suite.kind != "io":
                continue
            computed = suite.outputs is None  # stored outputs are the task author's word
            for i, args in enumerate(suite.inputs):
                value = expected.values[i]
                # Reference self-check: a test the reference fails (it raised, or its own
                # output does not pass the same comparison or oracle on this machine) is
                # no test. Dropped from both scores and reported, never silently.
                if expected.valid[i] and not (
                    computed and accepts is not None and not _accepts_safely(accepts, args, value)
                ):
                    self.slots.append((name, i, value, args))
                else:
                    self.excluded += 1
                    dropped.append(f"{name}/{i}")
            durations += sum(expected.durations)
            self.output_bytes += expected.output_bytes
            slowest = max(slowest, expected.slowest)
        self.encoded = codec.dumps([list(args) for _, _, _, args in self.slots])
        # The exact line a correct answer comes back as: such lines pass unread.
        self.known = (
            None
            if oracle == "poly_root"  # many right answers: every line must be judged
            else {line_digest(expected_line(k, slot[2])): k for k, slot in enumerate(self.slots)}
        )
        self.reference_total = durations
        self.reference_slowest = slowest
        more = ", ..." if len(dropped) > 10 else ""
        self.warnings = (
            [f"{len(dropped)} test(s) dropped from both scores: the reference solution fails "
             f"them on this machine ({', '.join(dropped[:10])}{more})"]
            if dropped else []
        )


def _accepts_safely(accepts: Callable[[list[Any], Any, Any], bool], args: list[Any],
                    value: Any) -> bool:
    try:
        return accepts(args, value, value)
    except Exception:  # a value the comparison cannot handle is a test it cannot judge
        return False


class HardenedGrader(Grader):
    """Split-trust sandboxed grading (see module docstring)."""

    name = "hardened"
    exploitable = False

    def __init__(
        self,
        workers: int = 1,
        limits: Limits | None = None,
        isolation: Isolation = "auto",
        cache_dir: Path | None = None,
        keep_tests: bool = False,
        compare: CompareMode | None = None,
        show_heldout_expected: bool = False,
    ) -> None:
        """``compare``: ``strict`` or ``evalplus`` for every task (``None``: the task's
        own ``compare``, else ``strict``). ``show_heldout_expected``: put held-out
        expected values in failure details (for debugging only: they leak wherever
        grades are logged or shown to a policy)."""
        self.limits = limits or Limits()
        self.compare = compare
        self.show_heldout_expected = show_heldout_expected
        self.pool = SandboxPool(workers=workers, limits=self.limits, isolation=isolation)
        self.expected = ExpectedOutputs(self.pool, cache_dir)
        self.keep_tests = keep_tests
        self._plans: dict[str, _Plan] = {}
        self._plan_lock = threading.Lock()

    @property
    def mechanisms(self) -> list[str]:
        """Isolation mechanisms active in this grader's sandbox."""
        return self.pool.mechanisms

    def close(self) -> None:
        self.pool.close()

    def _plan(self, task: Task) -> _Plan:
        with self._plan_lock:
            plan = self._plans.get(task.id)
        if plan is None:
            suites = [
                (
                    name,
                    suite,
                    self.expected.get(task, suite)
                    if suite.kind == "io"
                    else Expected([], [], [], []),
                )
                for name, suite in (("visible", task.visible), ("heldout", task.heldout))
                if suite is not None
            ]
            mode = self.mode_for(task)
            if task.oracle == "poly_root":
                def accepts(args: list[Any], out: Any, expected: Any) -> bool:
                    return poly_root_ok(args, out, task.atol, mode)
            else:
                def accepts(args: list[Any], out: Any, expected: Any) -> bool:
                    return outputs_match(out, expected, task.atol, mode)
            plan = _Plan(suites, task.oracle, accepts)
            with self._plan_lock:
                self._plans[task.id] = plan
        return plan

    def wall_budget(self, task: Task) -> float:
        """Seconds grading one rollout of ``task`` may take at most, all runs together."""
        limits = self._limits_for(self._plan(task))
        checks = len(self._plan(task).checks)
        return (limits.wall if self._plan(task).slots else 0.0) + checks * limits.wall

    def _limits_for(self, plan: _Plan) -> Limits:
        # Slow-but-honest solutions must not fail on time: scale with the reference.
        return self.limits.model_copy(
            update={
                "test": max(self.limits.test, 10 * plan.reference_slowest + 0.5),
                "wall": self.limits.wall + 10 * plan.reference_total,
                # room for honest output of the reference's size, and a bit
                "output_mb": max(self.limits.output_mb, 2 * (plan.output_bytes >> 20) + 16),
            }
        )

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        started = time.perf_counter()
        try:
            return self._grade(task, rollout, started)
        except (InfraError, ValueError) as exc:
            return Grade(
                rollout_id=rollout.id,
                task_id=task.id,
                grader=self.name,
                status="infra_error",
                error=str(exc),
                sandbox=self.mechanisms,
                stats=ExecStats(wall_ms=(time.perf_counter() - started) * 1000),
            )

    def _grade(self, task: Task, rollout: Rollout, started: float) -> Grade:
        plan = self._plan(task)
        program = program_for(task, rollout)
        limits = self._limits_for(plan)
        tally = _Tally(self.keep_tests)
        stats = ExecStats()
        error = None
        if plan.slots:
            batch = self.pool.run_batch(
                program,
                task.entry_point,
                plan.encoded,
                n=len(plan.slots),
                limits=limits,
                known=plan.known,
            )
            error = batch.load_error
            stats = ExecStats(
                cpu_ms=batch.cpu_s * 1000, max_rss_kb=batch.max_rss_kb, restarts=batch.restarts
            )
            for (name, i, expected, args), result in zip(plan.slots, batch.results, strict=True):
                status, detail = self._judge(task, args, expected, result, error)
                if status == "fail" and name == "heldout" and not self.show_heldout_expected:
                    detail = f"{HIDDEN}; got {_show(result.value)}"
                tally.add(name, f"{name}/{i}", status, detail)
        for suite_name, suite in plan.checks:
            outcome, check_error = self._run_check(task, suite_name, suite, program, limits)
            if (suite_name == "heldout" and outcome.status == "fail"
                    and not self.show_heldout_expected):
                outcome = outcome.model_copy(update={"detail": f"assertion failed ({HIDDEN})"})
            tally.add(suite_name, outcome.test_id, outcome.status, outcome.detail)
            error = error or check_error
        stats.wall_ms = (time.perf_counter() - started) * 1000
        return self._summarise(task, rollout, tally, plan, stats, error)

    def mode_for(self, task: Task) -> CompareMode:
        """The comparison used for ``task``: the grader's, else the task's, else strict."""
        return self.compare or task.compare or "strict"

    def _judge(
        self,
        task: Task,
        args: list[Any],
        expected: Any,
        result: CallResult,
        load_error: str | None,
    ) -> tuple[TestStatus, str | None]:
        if result.matched:
            return "pass", None
        if result.status != "ok":
            detail = result.detail
            if load_error and result.status == "missing":
                detail = f"program failed to load: {load_error}"
            return result.status, detail
        if task.oracle == "poly_root":
            ok = poly_root_ok(args, result.value, task.atol, self.mode_for(task))
        else:
            ok = outputs_match(result.value, expected, task.atol, self.mode_for(task))
        if ok:
            return "pass", None
        return "fail", f"expected {_show(expected)}, got {_show(result.value)}"

    def _run_check(
        self, task: Task, suite_name: str, suite: TestSuite, program: str, limits: Limits
    ) -> tuple[TestOutcome, str | None]:
        test_id = f"{suite_name}/check"
        with self.pool.session(program, task.entry_point, limits) as session:
            if session.load_error is not None:
                return TestOutcome(
                    test_id=test_id,
                    status="missing",
                    detail=f"program failed to load: {session.load_error}",
                ), session.load_error
            namespace: dict[str, Any] = {"__name__": "__proctor_check__"}
            try:
                # HumanEval tests may call helpers defined in the prompt (e.g. encode_cyclic).
                exec(compile(task.prompt, f"<prompt of {task.id}>", "exec"), namespace)
            except Exception:
                pass
            try:
                exec(compile(suite.code or "", f"<tests of {task.id}>", "exec"), namespace)
                namespace["check"](_Candidate(session))
            except AssertionError as exc:
                return TestOutcome(
                    test_id=test_id, status="fail", detail=f"assertion failed {exc}".strip()
                ), None
            except CandidateFailed as exc:
                return TestOutcome(test_id=test_id, status="error", detail=str(exc)), None
            except Exception as exc:
                return TestOutcome(
                    test_id=test_id, status="error", detail=f"{type(exc).__name__}: {exc}"[:300]
                ), None
        return TestOutcome(test_id=test_id, status="pass"), None

    def _summarise(
        self,
        task: Task,
        rollout: Rollout,
        tally: _Tally,
        plan: _Plan,
        stats: ExecStats,
        error: str | None,
    ) -> Grade:
        (vp, vt), (hp, ht) = tally.counts["visible"], tally.counts["heldout"]
        return Grade(
            rollout_id=rollout.id,
            task_id=task.id,
            grader=self.name,
            error=error,
            proxy=vp / vt if vt else 0.0,
            gold=(hp / ht if ht else None) if task.heldout is not None else None,
            visible_passed=vp,
            visible_total=vt,
            heldout_passed=hp,
            heldout_total=ht,
            excluded=plan.excluded,
            warnings=list(plan.warnings),
            tests=tally.tests,
            failures=tally.failures,
            stats=stats,
            sandbox=self.mechanisms,
        )


class _Tally:
    """Pass counts per suite; outcome records only where someone will read them.

    Building a pydantic record per passing test costs more than judging it: keep
    the first failures always, every outcome only when asked (``keep_tests``).
    """

    def __init__(self, keep_tests: bool) -> None:
        self.counts = {"visible": [0, 0], "heldout": [0, 0]}
        self.failures: list[TestOutcome] = []
        self.tests: list[TestOutcome] | None = [] if keep_tests else None

    def add(self, suite: str, test_id: str, status: TestStatus, detail: str | None) -> None:
        count = self.counts[suite]
        count[1] += 1
        if status == "pass":
            count[0] += 1
        keep_failure = status != "pass" and len(self.failures) < MAX_FAILURES_KEPT
        if self.tests is None and not keep_failure:
            return
        outcome = TestOutcome(test_id=test_id, status=status, detail=detail)
        if keep_failure:
            self.failures.append(outcome)
        if self.tests is not None:
            self.tests.append(outcome)


@register_grader(
    "hardened",
    "split-trust sandboxed grader: the graded code cannot sway its "
    "verdict (use this one for rewards)",
)
def hardened(
    workers: int = 1,
    limits: Limits | None = None,
    isolation: Isolation = "auto",
    cache_dir: Path | None = None,
    keep_tests: bool = False,
    compare: CompareMode | None = None,
    show_heldout_expected: bool = False,
) -> HardenedGrader:
    """Create the hardened grader (see `HardenedGrader`)."""
    return HardenedGrader(
        workers=workers,
        limits=limits,
        isolation=isolation,
        cache_dir=cache_dir,
        keep_tests=keep_tests,
        compare=compare,
        show_heldout_expected=show_heldout_expected,
    )


__all__ = ["HardenedGrader", "default_cache_dir", "hardened"]
