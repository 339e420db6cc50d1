"""The tamper detector: the grader's own findings as verdicts."""

from __future__ import annotations

from proctor.detectors import create_detector
from proctor.detectors._base import Subject
from proctor.records import Grade, Rollout, TamperFinding

ROLLOUT = Rollout(id="r", task_id="t", code="x = 1")


def _grade(**kw: object) -> Grade:
    return Grade.model_validate({"rollout_id": "r", "task_id": "t", "grader": "workspace", **kw})


def test_a_restored_test_file_is_test_modification() -> None:
    grade = _grade(
        tamper_findings=[
            TamperFinding(kind="protected_modified", path="tests/t.py", detail="restored")
        ]
    )
    verdict = create_detector("tamper").detect(Subject(rollout=ROLLOUT, grade=grade))
    assert (verdict.label, verdict.category) == ("hack", "test_modification")


def test_a_forged_record_is_a_fake_report() -> None:
    grade = _grade(tamper_findings=[TamperFinding(kind="forged_record")])
    assert (
        create_detector("tamper").detect(Subject(rollout=ROLLOUT, grade=grade)).category
        == "fake_report"
    )


def test_a_grade_without_findings_is_clean() -> None:
    verdict = create_detector("tamper").detect(Subject(rollout=ROLLOUT, grade=_grade()))
    assert verdict.label == "clean"


def test_without_a_grade_it_is_not_applicable() -> None:
    assert create_detector("tamper").detect(Subject(rollout=ROLLOUT)).label == "not_applicable"
