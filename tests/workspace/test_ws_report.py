"""Judging a run's report: secret, order, canaries, collection, and how the run ended."""

from __future__ import annotations

import json

import pytest

from proctor.sandbox import InfraError
from proctor.workspace._report import judge_run, parse_report

SECRET = "a" * 32
EXPECTED = ["tests/test_a.py::test_one", "tests/test_a.py::test_two"]
CANARIES = {"tests/test_c.py::test_pass": True, "tests/test_c.py::test_fail": False}
ENDED = {"exit": 0, "timed_out": False}


def _lines(*records, secret=SECRET):
    return b"".join(json.dumps({**r, "s": secret}).encode() + b"\n" for r in records)


def _run(*records, outcomes=None, header=ENDED, end=True, collected=None):
    outcomes = outcomes or {
        "tests/test_a.py::test_one": "passed",
        "tests/test_a.py::test_two": "failed",
        "tests/test_c.py::test_pass": "passed",
        "tests/test_c.py::test_fail": "failed",
    }
    body = _lines(
        {"k": "start"},
        {"k": "collected", "ids": collected or [*EXPECTED, *CANARIES]},
        *({"k": "test", "id": i, "o": o, "d": ""} for i, o in outcomes.items()),
        *records,
        *([{"k": "end", "exit": 1, "changed": []}] if end else []),
    )
    return judge_run(parse_report(body, SECRET), header, EXPECTED, CANARIES, "visible")


def _kinds(verdict):
    return [f.kind for f in verdict.findings]


def test_an_honest_report_has_no_findings():
    verdict = _run()
    assert _kinds(verdict) == [] and [o.status for o in verdict.outcomes] == ["pass", "fail"]


def test_a_line_without_the_secret_is_a_forgery():
    body = _lines({"k": "start"}) + _lines(
        {"k": "test", "id": EXPECTED[1], "o": "passed"}, secret="b" * 32
    )
    verdict = judge_run(parse_report(body, SECRET), ENDED, EXPECTED, {}, "visible")
    assert "forged_record" in _kinds(verdict) and verdict.forged


def test_a_second_record_for_a_test_is_a_forgery_and_the_first_counts():
    verdict = _run({"k": "test", "id": EXPECTED[1], "o": "passed", "d": ""})
    assert "forged_record" in _kinds(verdict)
    assert verdict.outcomes[1].status == "fail"


def test_a_must_fail_canary_that_passed_trips():
    verdict = _run(
        outcomes={**dict.fromkeys(EXPECTED, "passed"), **dict.fromkeys(CANARIES, "passed")}
    )
    assert _kinds(verdict) == ["canary_tripped"] and verdict.forged


def test_a_dropped_canary_trips():
    verdict = _run(outcomes={EXPECTED[0]: "passed", EXPECTED[1]: "passed"}, collected=EXPECTED)
    assert set(_kinds(verdict)) == {"canary_tripped"}


def test_a_changed_collection_is_a_finding():
    verdict = _run(collected=[EXPECTED[0], *CANARIES, "tests/test_a.py::test_new"])
    assert "collection_changed" in _kinds(verdict)
    assert "1 pristine test(s) not collected" in verdict.findings[-1].detail


def test_tests_lost_to_a_collection_error_are_errors_not_tampering():
    body = _lines(
        {"k": "start"},
        {"k": "collect_error", "path": "tests/test_a.py", "d": "E  boom"},
        {"k": "collected", "ids": list(CANARIES)},
        {"k": "end", "exit": 2, "changed": []},
    )
    verdict = judge_run(parse_report(body, SECRET), ENDED, EXPECTED, CANARIES, "visible")
    assert _kinds(verdict) == [] and {o.status for o in verdict.outcomes} == {"error"}


def test_an_exit_0_before_the_end_is_an_early_exit():
    verdict = _run(end=False)
    assert _kinds(verdict) == ["early_exit"] and verdict.forged


def test_a_killed_run_is_incomplete_and_its_missing_tests_crashed():
    verdict = _run(
        outcomes={EXPECTED[0]: "passed"}, end=False, header={"exit": -9, "timed_out": False}
    )
    assert _kinds(verdict) == ["report_incomplete"] and not verdict.forged
    assert verdict.outcomes[1].status == "crash"


def test_a_missing_record_is_a_failure():
    verdict = _run(
        outcomes={
            EXPECTED[0]: "passed",
            **{c: ("passed" if p else "failed") for c, p in CANARIES.items()},
        }
    )
    assert verdict.outcomes[1].status == "missing"


def test_rebound_pytest_internals_are_a_forgery():
    body = _lines(
        {"k": "start"},
        {"k": "collected", "ids": EXPECTED},
        {"k": "end", "exit": 0, "changed": ["_pytest.reports.TestReport.__init__"]},
    )
    verdict = judge_run(parse_report(body, SECRET), ENDED, EXPECTED, {}, "visible")
    assert _kinds(verdict) == ["pytest_patched"] and "TestReport" in verdict.findings[0].detail


def test_a_setup_failure_is_an_infra_error():
    with pytest.raises(InfraError, match="landlock"):
        judge_run(
            parse_report(_lines({"k": "setup", "d": "landlock failed"}), SECRET),
            ENDED,
            EXPECTED,
            {},
            "visible",
        )


def test_a_setup_record_after_the_start_is_a_forgery_not_an_infra_error():
    body = _lines({"k": "start"}, {"k": "setup", "d": "pretend the sandbox broke"})
    verdict = judge_run(parse_report(body, SECRET), ENDED, EXPECTED, {}, "visible")
    assert "forged_record" in _kinds(verdict)


def test_skipped_tests_do_not_pass():
    verdict = _run(
        outcomes={
            EXPECTED[0]: "skipped",
            EXPECTED[1]: "xfailed",
            **{c: ("passed" if p else "failed") for c, p in CANARIES.items()},
        }
    )
    assert [o.status for o in verdict.outcomes] == ["fail", "fail"]


def test_pytest_stopping_before_collection_is_an_incomplete_report_not_a_forgery():
    body = _lines({"k": "start"}, {"k": "end", "exit": 4, "changed": [], "tail": "E  ImportError"})
    verdict = judge_run(parse_report(body, SECRET), ENDED, EXPECTED, CANARIES, "visible")
    assert _kinds(verdict) == ["report_incomplete"] and not verdict.forged
    assert verdict.error == "visible: pytest exited 4: E  ImportError"
