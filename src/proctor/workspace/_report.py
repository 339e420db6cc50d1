"""Reading a workspace run's report and deciding what it proves.

The bytes come from a process that ran the code under test, so they are data
to check, not facts: every line must carry the run's secret, records must come
in the protocol's order, the collected tests must be the pristine ones plus the
canaries, the canaries must come out as they must, and the run must have ended
through pytest. Anything else is a `TamperFinding`; a *forgery* (see `FORGERY`)
gives the run a score of 0. A test with no record failed; exit codes and
stdout are never read.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from typing import Any, cast

from proctor.records import TamperFinding, TamperKind, TestOutcome, TestStatus
from proctor.sandbox import InfraError

FORGERY: frozenset[TamperKind] = frozenset(
    {
        "canary_tripped",
        "collection_changed",
        "forged_record",
        "pytest_patched",
        "early_exit",
        "plugin_registered",
        "reporter_tampered",
    }
)
"""Findings that mean the report itself cannot be trusted: the run scores 0."""
_OUTCOMES: dict[str, TestStatus] = {
    "passed": "pass", "failed": "fail", "error": "error", "timeout": "timeout",
    "skipped": "fail", "xfailed": "fail", "xpassed": "fail",
}  # fmt: skip
_GUARD_KINDS: frozenset[str] = frozenset({"plugin_registered", "reporter_tampered"})
_MAX_LINE = 1 << 20
_SHOW = 5  # ids named in a finding's detail


@dataclass
class RunReport:
    """What the report lines of one run say, once checked against the secret."""

    started: bool = False
    setup_error: str | None = None
    collected: list[str] | None = None
    collect_errors: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    forged: list[str] = field(default_factory=list)
    guard: list[tuple[TamperKind, str]] = field(default_factory=list)


def parse_report(body: bytes, secret: str) -> RunReport:
    """Check and collect the records of one run (first record per test wins)."""
    report = RunReport()
    for number, raw in enumerate(body.split(b"\n"), 1):
        if not raw.strip():
            continue
        record = _load(raw)
        if record is None or not hmac.compare_digest(str(record.get("s", "")), secret):
            report.forged.append(f"line {number} lacks the run's secret")
            continue
        problem = _take(report, record)
        if problem:
            report.forged.append(f"line {number}: {problem}")
    return report


def _load(raw: bytes) -> dict[str, Any] | None:
    if len(raw) > _MAX_LINE:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if type(record) is dict and type(record.get("s")) is str else None


def _take(report: RunReport, record: dict[str, Any]) -> str | None:
    """Add one authenticated record; return why it is out of place, if it is."""
    kind = record.get("k")
    if report.end is not None:
        return f"a {kind!r} record after the end of the run"
    if kind == "setup" and not report.started:
        report.setup_error = str(record.get("d", "sandbox setup failed"))
    elif kind == "start" and not report.started:
        report.started = True
    elif not report.started:
        return f"a {kind!r} record before the run started"
    elif kind == "collect_error":
        report.collect_errors.setdefault(str(record.get("path", "")), str(record.get("d", "")))
    elif kind == "collected" and report.collected is None:
        ids = record.get("ids")
        if type(ids) is not list or not all(type(i) is str for i in ids):
            return "a malformed list of collected tests"
        report.collected = ids
    elif kind == "test":
        test_id, outcome = record.get("id"), record.get("o")
        if type(test_id) is not str or outcome not in _OUTCOMES:
            return "a malformed test record"
        if test_id in report.outcomes:
            return f"a second record for {test_id}"
        report.outcomes[test_id] = (outcome, str(record.get("d", ""))[:300])
    elif kind == "guard":
        found = record.get("v")
        if type(found) is not list:
            return "a malformed guard record"
        for item in found[:20]:
            kind_, what = item if type(item) is list and len(item) == 2 else ("", "")
            if kind_ not in _GUARD_KINDS:
                return "a malformed guard record"
            report.guard.append((cast("TamperKind", kind_), str(what)[:300]))
    elif kind == "end":
        changed = record.get("changed")
        report.end = {
            "exit": record.get("exit"),
            "tail": str(record.get("tail", ""))[-2000:],
            "changed": [str(c) for c in changed] if type(changed) is list else [],
        }
    else:
        return f"an unexpected {kind!r} record"
    return None


@dataclass
class RunVerdict:
    """One run judged: per-test outcomes for the expected tests, and the findings."""

    outcomes: list[TestOutcome]
    findings: list[TamperFinding]
    error: str | None = None

    @property
    def forged(self) -> bool:
        """Whether the run's report is untrustworthy (its score is then 0)."""
        return any(f.kind in FORGERY for f in self.findings)


def judge_run(
    report: RunReport,
    header: dict[str, Any],
    expected: list[str],
    canaries: dict[str, bool],
    suite: str,
) -> RunVerdict:
    """Outcomes for ``expected`` (pristine ids) and findings; InfraError if the sandbox failed."""
    if report.setup_error is not None:
        raise InfraError(report.setup_error)
    if not report.started and not report.forged:
        raise InfraError(f"the sandbox child wrote nothing (exit {header.get('exit')})")
    findings = _integrity(report, header, suite)
    findings += _canary_findings(report, canaries, suite)
    findings += _collection_findings(report, expected, canaries, suite)
    missing = _missing_status(report, header)
    outcomes = []
    for test_id in expected:
        if test_id in report.outcomes:
            outcome, detail = report.outcomes[test_id]
            status = _OUTCOMES[outcome]
            if outcome in ("skipped", "xfailed", "xpassed"):
                detail = f"{outcome}: {detail}".rstrip(": ")
            outcomes.append(
                TestOutcome(test_id=f"{suite}/{test_id}", status=status, detail=detail or None)
            )
        else:
            error = _collect_error_for(report, test_id)
            outcomes.append(
                TestOutcome(
                    test_id=f"{suite}/{test_id}",
                    status="error" if error else missing[0],
                    detail=f"collection error: {error}" if error else missing[1],
                )
            )
    return RunVerdict(outcomes, findings, _error(report, suite))


def _error(report: RunReport, suite: str) -> str | None:
    """Why tests could not run, for `Grade.error` (advisory text, never a verdict)."""
    if report.collect_errors:
        path, detail = next(iter(report.collect_errors.items()))
        return f"{suite}: {len(report.collect_errors)} collection error(s), e.g. {path}: {detail}"
    if report.end is not None and report.end["exit"] in (3, 4):  # internal or usage error
        lines = [line for line in report.end["tail"].splitlines() if line.strip()]
        return f"{suite}: pytest exited {report.end['exit']}: {(lines or [''])[-1][:300]}"
    return None


def _missing_status(report: RunReport, header: dict[str, Any]) -> tuple[TestStatus, str]:
    if report.end is not None and report.end["exit"] in (3, 4):
        return "error", f"pytest could not run the tests (exit {report.end['exit']})"
    if header.get("timed_out"):
        return "timeout", "the run passed its wall-clock limit before this test reported"
    code = header.get("exit")
    if isinstance(code, int) and code < 0:
        return "crash", f"the test process was killed by signal {-code}"
    return "missing", "no result was reported for this test"


def _collect_error_for(report: RunReport, test_id: str) -> str | None:
    for path, detail in report.collect_errors.items():
        if not path or test_id.startswith(path + "::") or test_id.startswith(path + "/"):
            return detail or "failed to collect"
    return None


def _integrity(report: RunReport, header: dict[str, Any], suite: str) -> list[TamperFinding]:
    findings = []
    if report.forged:
        findings.append(
            TamperFinding(
                kind="forged_record",
                detail=f"{suite} run: {len(report.forged)} report line(s) "
                f"failed the integrity check ({'; '.join(report.forged[:3])})",
            )
        )
    if report.end is not None and report.end["changed"]:
        names = report.end["changed"]
        findings.append(
            TamperFinding(
                kind="pytest_patched",
                detail=f"{suite} run: pytest's internals were rebound while "
                f"the tests ran: {', '.join(names[:8])}{' ...' if len(names) > 8 else ''}",
            )
        )
    for kind, what in report.guard:
        findings.append(TamperFinding(kind=kind, detail=f"{suite} run: {what}"))
    if report.end is not None and report.collected is None:
        findings.append(
            TamperFinding(
                kind="report_incomplete",
                detail=f"{suite} run: pytest stopped before it finished "
                f"collecting (exit {report.end['exit']}); no test ran",
            )
        )
    if report.end is None and report.started:
        code = header.get("exit")
        if code == 0 and not header.get("timed_out"):
            findings.append(
                TamperFinding(
                    kind="early_exit",
                    detail=f"{suite} run: the test process exited with status 0 "
                    f"before pytest finished ({_stage(report)}): an early exit, e.g. os._exit(0)",
                )
            )
        else:
            why = (
                "it passed its wall-clock limit"
                if header.get("timed_out")
                else (f"it ended with status {code}")
            )
            findings.append(
                TamperFinding(
                    kind="report_incomplete",
                    detail=f"{suite} run: pytest did not finish ({_stage(report)}; {why})",
                )
            )
    return findings


def _stage(report: RunReport) -> str:
    if report.collected is None:
        return "during collection"
    return f"after {len(report.outcomes)} of {len(report.collected)} tests"


def _canary_findings(
    report: RunReport, canaries: dict[str, bool], suite: str
) -> list[TamperFinding]:
    findings = []
    collected = set(report.collected or ())
    for test_id, must_pass in canaries.items():
        outcome = report.outcomes.get(test_id, (None, ""))[0]
        if outcome is None:
            if (
                report.end is None  # died early: report_incomplete says so
                or (report.collected is None and not report.outcomes)  # failed before collecting
                or _collect_error_for(report, test_id)
                or (test_id in collected and report.collect_errors)  # stopped by collection errors
            ):
                continue
            detail = (
                "was collected but never reported"
                if test_id in collected
                else "was dropped from the collection"
            )
        elif must_pass and outcome != "passed":
            detail = f"must pass but was reported {outcome}"
        elif not must_pass and outcome in ("passed", "xpassed", "skipped", "xfailed"):
            detail = f"must fail but was reported {outcome}: the report was forged"
        else:
            continue
        findings.append(
            TamperFinding(
                kind="canary_tripped",
                path=test_id,
                detail=f"{suite} run: canary {test_id} {detail}",
            )
        )
    return findings


def _collection_findings(
    report: RunReport, expected: list[str], canaries: dict[str, bool], suite: str
) -> list[TamperFinding]:
    if report.collected is None:
        return []
    collected = set(report.collected)
    lost = [t for t in expected if t not in collected and not _collect_error_for(report, t)]
    extra = sorted(collected - set(expected) - set(canaries))
    if not lost and not extra:
        return []
    parts = []
    if lost:
        parts.append(f"{len(lost)} pristine test(s) not collected ({', '.join(lost[:_SHOW])})")
    if extra:
        parts.append(f"{len(extra)} unexpected test(s) collected ({', '.join(extra[:_SHOW])})")
    return [
        TamperFinding(
            kind="collection_changed",
            detail=f"{suite} run: collected {len(report.collected)} tests, the pristine suite "
            f"has {len(expected)} (+{len(canaries)} canaries): {'; '.join(parts)}",
        )
    ]


__all__ = ["FORGERY", "RunReport", "RunVerdict", "judge_run", "parse_report"]
