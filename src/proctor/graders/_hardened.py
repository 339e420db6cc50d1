"""The hardened grader: split trust between a sandboxed child and a trusted judge.

The child gets the program and the test *inputs*, nothing else. It sends back
plain data (exact built-in types) over a private pipe. The judge, which never
runs the program, holds the expected outputs, compares strictly, ignores exit
codes and stdout, and counts a test with no result as failed. Assert-style
tests run here in the judge against a `candidate` proxy whose calls are
forwarded to the sandbox. See docs/threat-model.md.
"""

from __future__ import annotations

import contextvars
import random
import reprlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from proctor.common import default_cache_dir
from proctor.graders._base import Grader
from proctor.graders._budget import (
    SHARD_SECONDS,
    TIME_FACTOR,
    TIMEOUTS_TO_END,
    TimeBudget,
    shard_count,
    split_by_time,
    test_limit,
    time_budget,
)
from proctor.graders._compare import CompareMode, outputs_match, poly_root_ok
from proctor.graders._expected import Expected, ExpectedOutputs
from proctor.graders._registry import register_grader
from proctor.graders._test_isolation import (
    ORDER_DEPENDENT,
    AloneRuns,
    alone_limits,
    run_each_alone,
)
from proctor.io import program_for
from proctor.records import ExecStats, Grade, Rollout, Task, TestOutcome, TestStatus, TestSuite
from proctor.sandbox import (
    BatchResult,
    CallResult,
    Cancelled,
    InfraError,
    Isolation,
    Limits,
    LinkedEvent,
    SandboxPool,
    Session,
    cancel_event,
    cancellable,
)
from proctor.sandbox.runtime import codec

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
MAX_FAILURES_KEPT = 5
TestIsolation = Literal["probe", "fresh", "off"]
"""``probe`` (default): held-out tests run in a fresh random order for every rollout,
and one passing held-out test is re-run alone in a fresh child; a different outcome
is flagged ``order_dependent`` (in `Grade.tamper`) and that test fails. ``fresh``:
the same order, then *every* held-out test re-run alone in its own fresh child, whose
result counts (one child per test: slower). ``off``: input order, no re-run."""
_RANDOM = random.SystemRandom()
JUDGE_CPU_BUDGET_S = 1.0
"""Thread CPU seconds the judge may spend decoding one rollout's results (honest
results come back byte-identical to the expected lines and cost nothing)."""
HIDDEN = "held-out expected value hidden (show_heldout_expected=True shows it)"
DEFAULT_LIMITS = Limits(test=1.0)
"""The hardened grader's limits when none are given: a 1 s floor per test (raised to
`TIME_FACTOR` × the reference's slowest test where that is more, see `TimeBudget`)."""


def show_value(value: Any) -> str:
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
    """Everything about a task that is the same for every rollout: computed once.

    Expected values stay on disk or in codec text: a correct answer is recognised by
    the digest of its value text, and a value is read and decoded only to judge an
    answer that did not match.
    """

    def __init__(
        self,
        suites: list[tuple[str, TestSuite, Expected]],
        oracle: str,
        accepts: Callable[[list[Any], Any, Any], bool] | None = None,
        encoded_inputs: dict[str, str] | None = None,
        limit_of: Callable[[float], float] | None = None,
    ) -> None:
        """``accepts(args, output, expected)``: the judge's own verdict, used to check
        that the reference passes every test whose expected value it computed.
        ``encoded_inputs``: each io suite's inputs in codec text, when the caller has
        them (they are joined instead of encoding every input again). ``limit_of``:
        a test's time limit from the reference's seconds on it (None: the batch's)."""
        self.checks = [(name, suite) for name, suite, _ in suites if suite.kind == "assert"]
        self.slots: list[tuple[str, int, Expected, list[Any]]] = []  # (suite, index, ..., args)
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
                # Reference self-check: a test the reference fails (it raised, or its own
                # output does not pass the same comparison or oracle on this machine) is
                # no test. Dropped from both scores and reported, never silently. Only an
                # oracle other than equality or a non-finite float (NaN != NaN) can reject
                # a value compared with itself, so only those are decoded here (the rest
                # stay codec text, see `Expected`): decoding all cost ~3 s on HumanEval+.
                if expected.valid[i] and not (
                    computed
                    and accepts is not None
                    and (oracle != "equal" or i in expected.special)
                    and not _accepts_safely(accepts, args, expected.value(i))
                ):
                    self.slots.append((name, i, expected, args))
                else:
                    self.excluded += 1
                    dropped.append(f"{name}/{i}")
            durations += expected.total
            self.output_bytes += expected.output_bytes
            slowest = max(slowest, expected.slowest)
        io_suites = [name for name, suite, _ in suites if suite.kind == "io"]
        if not dropped and encoded_inputs and all(n in encoded_inputs for n in io_suites):
            # a codec list is a JSON array of its items' texts: join the suites' arrays
            parts = [encoded_inputs[n][1:-1] for n in io_suites]
            self.encoded = "[" + ",".join(part for part in parts if part) + "]"
        else:
            self.encoded = codec.dumps([list(args) for _, _, _, args in self.slots])
        self.durations = [expected.durations[i] for _, i, expected, _ in self.slots]
        self.test_limits = None if limit_of is None else [limit_of(d) for d in self.durations]
        """Each slot's time limit in seconds, or None (every test gets the batch's)."""
        # The digest of each test's right answer: a line carrying it passes unread.
        self.known = (
            None
            if oracle == "poly_root"  # many right answers: every line must be judged
            else [expected.digests[i] for _, i, expected, _ in self.slots]
        )
        self.reference_total = durations
        self.reference_slowest = slowest
        more = ", ..." if len(dropped) > 10 else ""
        self.warnings = (
            [
                f"{len(dropped)} test(s) dropped from both scores: the reference solution fails "
                f"them on this machine ({', '.join(dropped[:10])}{more})"
            ]
            if dropped
            else []
        )

    def known_alone(self, k: int) -> list[bytes | None] | None:
        """`known` for a child that runs slot ``k`` alone (as its test 0)."""
        return None if self.known is None else [self.known[k]]


def _accepts_safely(
    accepts: Callable[[list[Any], Any, Any], bool], args: list[Any], value: Any
) -> bool:
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
        require_isolation: bool = False,
        test_isolation: TestIsolation = "probe",
        compare: CompareMode | None = None,
        show_heldout_expected: bool = False,
        time_factor: float = TIME_FACTOR,
        timeouts_to_end: int = TIMEOUTS_TO_END,
        shard_seconds: float = SHARD_SECONDS,
    ) -> None:
        """``compare``: ``strict`` or ``evalplus`` for every task (``None``: the task's
        own ``compare``, else ``strict``). ``show_heldout_expected``: put held-out
        expected values in failure details (for debugging only: they leak wherever
        grades are logged or shown to a policy). ``limits.test`` is the per-test floor;
        ``time_factor``, ``timeouts_to_end`` and ``shard_seconds`` (0: never shard)
        set the rest of each task's `TimeBudget` (see `proctor.graders._budget`)."""
        self.limits = limits or DEFAULT_LIMITS
        self.time_factor = time_factor
        self.timeouts_to_end = timeouts_to_end
        self.shard_seconds = shard_seconds
        self.workers = max(1, workers)
        self.test_isolation = test_isolation
        self.compare = compare
        self.show_heldout_expected = show_heldout_expected
        self.pool = SandboxPool(
            workers=workers,
            limits=self.limits,
            isolation=isolation,
            require_isolation=require_isolation,
        )
        self.expected = ExpectedOutputs(self.pool, cache_dir)
        self.keep_tests = keep_tests
        self._plans: dict[str, _Plan] = {}
        self._plan_lock = threading.Lock()
        self._shard_runner: ThreadPoolExecutor | None = None

    @property
    def mechanisms(self) -> list[str]:
        """Isolation mechanisms active in this grader's sandbox."""
        return self.pool.mechanisms

    def close(self) -> None:
        if self._shard_runner is not None:
            self._shard_runner.shutdown(wait=False, cancel_futures=True)
        self.pool.close()

    def _plan(self, task: Task) -> _Plan:
        with self._plan_lock:
            plan = self._plans.get(task.id)
        if plan is None:
            encoded = {  # once: the cache key and the sandbox's input both need it
                name: self.expected.encoded_inputs(suite)
                for name, suite in (("visible", task.visible), ("heldout", task.heldout))
                if suite is not None and suite.kind == "io"
            }
            suites = [
                (
                    name,
                    suite,
                    self.expected.get(task, suite, encoded[name])
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

            # each test's limit from the reference's time on it: a hang on a quick test
            # is cut at the floor, not at the task's slowest test's limit
            plan = _Plan(
                suites,
                task.oracle,
                accepts,
                encoded,
                limit_of=lambda seconds: test_limit(self.limits.test, seconds, self.time_factor),
            )
            with self._plan_lock:
                self._plans[task.id] = plan
        return plan

    def reference_seconds(self, task: Task) -> float:
        """Seconds the reference took on all of ``task``'s io tests (its expected-output run,
        cached with the outputs); 0 when unknown (the task's plan cannot be built)."""
        try:
            return self._plan(task).reference_total
        except (InfraError, ValueError):
            return 0.0  # grade() reports the failure; the order does not matter for it

    def grade_many(
        self,
        pairs: Iterable[tuple[Task, Rollout]],
        workers: int = 1,
        on_done: Callable[[Grade], None] | None = None,
    ) -> Iterator[Grade]:
        """Grade many rollouts, the slowest tasks first, yielding in input order.

        A batch takes as long as its slowest task started late: the reference run's
        timing says which tasks are the long poles, so they start first and the short
        ones fill the gaps. Plans (expected outputs) are built first, in parallel.
        """
        pairs = list(pairs)
        workers = max(1, workers)
        tasks = {task.id: task for task, _ in pairs}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proctor-plan") as ex:
            cost = dict(zip(tasks, ex.map(self.reference_seconds, tasks.values()), strict=True))
        order = sorted(range(len(pairs)), key=lambda k: -cost[pairs[k][0].id])  # stable
        futures: list[Future[Grade] | None] = [None] * len(pairs)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for k in order:
                futures[k] = pool.submit(self.grade, *pairs[k])
            for future in futures:
                assert future is not None
                grade = future.result()
                if on_done is not None:
                    on_done(grade)
                yield grade

    def wall_budget(self, task: Task) -> float:
        """Seconds grading one rollout of ``task`` may take at most, all runs together."""
        limits = self._limits_for(self._plan(task))
        checks = len(self._plan(task).checks)
        total = (limits.wall if self._plan(task).slots else 0.0) + checks * limits.wall
        if self.test_isolation == "fresh":  # one child per held-out test
            heldout = sum(slot[0] == "heldout" for slot in self._plan(task).slots)
            total += heldout * alone_limits(limits).wall
        return total

    def time_budget(self, task: Task) -> TimeBudget:
        """The time limits a rollout of ``task`` is graded under, derived from the
        reference's timing cached with its expected outputs (see `TimeBudget`)."""
        return self._budget_for(self._plan(task))

    def _budget_for(self, plan: _Plan) -> TimeBudget:
        return time_budget(
            self.limits.test,
            self.limits.wall,
            plan.reference_slowest,
            plan.reference_total,
            self.time_factor,
            self.timeouts_to_end,
            shard_count(plan.reference_total, len(plan.slots), self.workers, self.shard_seconds),
        )

    def _limits_for(self, plan: _Plan) -> Limits:
        # Slow-but-honest solutions must not fail on time: scale with the reference.
        budget = self._budget_for(plan)
        return self.limits.model_copy(
            update={
                "test": budget.per_test_s,
                "wall": budget.rollout_s,
                "timeouts": budget.timeouts_to_end,
                # room for honest output of the reference's size, and a bit
                "output_mb": max(self.limits.output_mb, 2 * (plan.output_bytes >> 20) + 16),
            }
        )

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        started = time.perf_counter()
        cpu = time.thread_time()  # this thread only: other rollouts grade in parallel
        try:
            grade = self._grade(task, rollout, started)
            grade.stats.judge_cpu_ms = (time.thread_time() - cpu) * 1000
            return grade
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
        order_dependent: list[int] = []
        if plan.slots:
            order = None
            if self.test_isolation != "off":  # held-out tests in a new order every time
                heldout = [k for k, slot in enumerate(plan.slots) if slot[0] == "heldout"]
                _RANDOM.shuffle(heldout)
                order = [k for k, slot in enumerate(plan.slots) if slot[0] != "heldout"] + heldout
            batch = self._run_tests(task, plan, program, limits, order)
            alone = AloneRuns()
            if order is not None and not batch.load_error and self.test_isolation == "fresh":
                alone = self._each_alone(task, plan, program, limits, batch.results)
                order_dependent = alone.flagged
            elif order is not None and not batch.load_error:
                alone = self._probe_alone(task, plan, program, limits, batch)
                order_dependent = alone.flagged
                for k in order_dependent:  # what it does alone is its answer
                    batch.results[k] = CallResult("error", detail=ORDER_DEPENDENT)
            error = batch.load_error
            stats = ExecStats(
                cpu_ms=(batch.cpu_s + alone.cpu_s) * 1000,
                max_rss_kb=max(batch.max_rss_kb, alone.max_rss_kb),
                restarts=batch.restarts,
            )
            for (name, i, expected, args), result in zip(plan.slots, batch.results, strict=True):
                status, detail = self._judge(task, args, expected, i, result, error)
                if status == "fail" and name == "heldout" and not self.show_heldout_expected:
                    detail = f"{HIDDEN}; got {show_value(result.value)}"
                tally.add(name, f"{name}/{i}", status, detail)
            if batch.ended:
                tally.ended = _ended_warning(batch, limits)
        for suite_name, suite in plan.checks:
            outcome, check_error = self._run_check(task, suite_name, suite, program, limits)
            if (
                suite_name == "heldout"
                and outcome.status == "fail"
                and not self.show_heldout_expected
            ):
                outcome = outcome.model_copy(update={"detail": f"assertion failed ({HIDDEN})"})
            tally.add(suite_name, outcome.test_id, outcome.status, outcome.detail)
            error = error or check_error
        stats.wall_ms = (time.perf_counter() - started) * 1000
        grade = self._summarise(task, rollout, tally, plan, stats, error)
        if tally.ended:
            grade.warnings.append(tally.ended)
        if order_dependent:
            grade.tamper.append("order_dependent")
        return grade

    def _run_tests(
        self, task: Task, plan: _Plan, program: str, limits: Limits, order: list[int] | None
    ) -> BatchResult:
        """Run the io tests in one child, or in shards on several workers at once when the
        reference's time says the task is big; the results come back in test order."""
        shards = self._budget_for(plan).shards
        n = len(plan.slots)
        if shards == 1:
            return self._run_shard(task, plan, program, limits, order)
        ranges = split_by_time(plan.durations, shards)
        run_order = order if order is not None else list(range(n))
        orders = [[k for k in run_order if k in part] for part in ranges]
        if self._shard_runner is None:
            with self._plan_lock:
                if self._shard_runner is None:
                    self._shard_runner = ThreadPoolExecutor(
                        max_workers=self.workers, thread_name_prefix="proctor-shard"
                    )
        # The rollout ends when any shard reaches the time-out cap: the others are
        # stopped (their children killed) instead of each spending the cap again.
        caller = cancel_event()
        ended = LinkedEvent(caller)

        def run(part: list[int]) -> BatchResult:
            with cancellable(ended):
                try:
                    batch = self._run_shard(task, plan, program, limits, part)
                except Cancelled:
                    if caller is not None and caller.is_set():
                        raise  # the caller's cancel (a reward client hung up)
                    return _not_run(n, "another shard reached the time-out cap")
            if batch.ended:
                ended.set()
            return batch

        # each shard runs in a copy of this thread's context, so a cancel (a reward
        # client that hung up, `proctor.sandbox.cancellable`) reaches every shard
        rest = [
            self._shard_runner.submit(contextvars.copy_context().run, run, part)
            for part in orders[1:]
        ]
        parts = [run(orders[0])]
        parts += [future.result() for future in rest]
        return _merge(parts, ranges)

    def _run_shard(
        self, task: Task, plan: _Plan, program: str, limits: Limits, order: list[int] | None
    ) -> BatchResult:
        return self.pool.run_batch(
            program,
            task.entry_point,
            plan.encoded,
            n=len(plan.slots),
            limits=limits,
            known=plan.known,
            decode_budget_s=JUDGE_CPU_BUDGET_S,
            order=order,
            test_limits=plan.test_limits,
        )

    def _probe_alone(
        self, task: Task, plan: _Plan, program: str, limits: Limits, batch: Any
    ) -> AloneRuns:
        """Re-run one passing held-out test alone in a fresh child; flags it if it then
        fails (what the run cost is counted with the rollout's).

        A program that answers right only after it has seen earlier inputs is wrong
        on the first call of any child: one random probe catches it.
        """
        passing = [
            k
            for k, (name, i, expected, args) in enumerate(plan.slots)
            if name == "heldout"
            and self._judge(task, args, expected, i, batch.results[k], None)[0] == "pass"
        ]
        if not passing:
            return AloneRuns()
        k = _RANDOM.choice(passing)
        _, i, expected, args = plan.slots[k]
        alone = self.pool.run_batch(  # only that input travels: cheap for big suites
            program,
            task.entry_point,
            [args],
            limits=limits,
            # a right answer passes on its digest: no value decoded, no values file read
            known=plan.known_alone(k),
            decode_budget_s=JUDGE_CPU_BUDGET_S,
            test_limits=None if plan.test_limits is None else [plan.test_limits[k]],
        )
        ok = self._judge(task, args, expected, i, alone.results[0], alone.load_error)[0] == "pass"
        return AloneRuns([] if ok else [k], alone.cpu_s, alone.max_rss_kb, runs=1)

    def _each_alone(
        self, task: Task, plan: _Plan, program: str, limits: Limits, results: list[CallResult]
    ) -> AloneRuns:
        """``fresh``: every held-out test alone in its own child (see `run_each_alone`)."""

        def passes(k: int, result: CallResult) -> bool:
            _, i, expected, args = plan.slots[k]
            return self._judge(task, args, expected, i, result, None)[0] == "pass"

        heldout = [(k, slot[3]) for k, slot in enumerate(plan.slots) if slot[0] == "heldout"]
        return run_each_alone(
            self.pool,
            program,
            task.entry_point,
            heldout,
            results,
            passes,
            limits,
            plan.known_alone,
            JUDGE_CPU_BUDGET_S,
        )

    def mode_for(self, task: Task) -> CompareMode:
        """The comparison used for ``task``: the grader's, else the task's, else strict."""
        return self.compare or task.compare or "strict"

    def _judge(
        self,
        task: Task,
        args: list[Any],
        suite_expected: Expected,
        index: int,
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
        expected = suite_expected.value(index)  # decoded only for an answer that differs
        if task.oracle == "poly_root":
            ok = poly_root_ok(args, result.value, task.atol, self.mode_for(task))
        else:
            ok = outputs_match(result.value, expected, task.atol, self.mode_for(task))
        if ok:
            return "pass", None
        return "fail", f"expected {show_value(expected)}, got {show_value(result.value)}"

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


def _not_run(n: int, why: str) -> BatchResult:
    """A shard stopped before it reported: every test in it was not run."""
    return BatchResult(results=[CallResult("missing", detail=f"not run: {why}")] * n, ended=why)


def _merge(parts: list[BatchResult], ranges: list[range]) -> BatchResult:
    """One batch result from shards: each test's result from the shard that ran it."""
    results = [parts[s].results[k] for s, part in enumerate(ranges) for k in part]
    ended = [p.ended for p in parts if p.ended]
    return BatchResult(
        results=results,
        load_error=next((p.load_error for p in parts if p.load_error), None),
        cpu_s=sum(p.cpu_s for p in parts),
        max_rss_kb=max(p.max_rss_kb for p in parts),
        restarts=sum(p.restarts for p in parts),
        wall_s=max(p.wall_s for p in parts),
        body_bytes=sum(p.body_bytes for p in parts),
        mechanisms=parts[0].mechanisms,
        ended="; ".join(ended) if ended else None,
    )


def _ended_warning(batch: BatchResult, limits: Limits) -> str:
    not_run = sum(1 for r in batch.results if r.status == "missing")
    return (
        f"rollout ended early: {batch.ended} (per-test limit at most {limits.test:.3g} s); "
        f"{not_run} test(s) not run, counted as failed"
    )


class _Tally:
    """Pass counts per suite; outcome records only where someone will read them.

    Building a pydantic record per passing test costs more than judging it: keep
    the first failures always, every outcome only when asked (``keep_tests``).
    """

    def __init__(self, keep_tests: bool) -> None:
        self.ended: str | None = None  # why the io tests stopped early, for Grade.warnings
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
    require_isolation: bool = False,
    test_isolation: TestIsolation = "probe",
    compare: CompareMode | None = None,
    show_heldout_expected: bool = False,
    time_factor: float = TIME_FACTOR,
    timeouts_to_end: int = TIMEOUTS_TO_END,
    shard_seconds: float = SHARD_SECONDS,
) -> HardenedGrader:
    """Create the hardened grader (see `HardenedGrader`)."""
    return HardenedGrader(
        workers=workers,
        limits=limits,
        isolation=isolation,
        cache_dir=cache_dir,
        keep_tests=keep_tests,
        require_isolation=require_isolation,
        test_isolation=test_isolation,
        compare=compare,
        show_heldout_expected=show_heldout_expected,
        time_factor=time_factor,
        timeouts_to_end=timeouts_to_end,
        shard_seconds=shard_seconds,
    )


__all__ = ["HardenedGrader", "default_cache_dir", "hardened"]
