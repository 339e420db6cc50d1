"""The ensemble: the documented combination rule and its calibration."""

from __future__ import annotations

from typing import Any

from proctor.detectors import create_detector
from proctor.detectors._base import Subject
from proctor.detectors._ensemble import DEFAULT_WEIGHTS, Ensemble, fit
from proctor.records import DetectorSpec, Rollout, Verdict

SUBJECT = Subject(rollout=Rollout(id="r", task_id="t", code="x = 1"))


def _v(detector: str, label: str, confidence: float = 0.0, category: Any = None) -> Verdict:
    return Verdict(
        rollout_id="r",
        detector=detector,
        spec=DetectorSpec(name=detector),
        label=label,
        confidence=confidence,
        category=category,  # type: ignore[arg-type]
        categories=[category] if category else [],
    )


def _ensemble() -> Ensemble:
    ensemble = create_detector("ensemble")
    assert isinstance(ensemble, Ensemble)
    return ensemble


def test_a_confident_static_hack_makes_a_hack() -> None:
    verdict = _ensemble().combine(
        SUBJECT, [_v("static", "hack", 0.95, "early_exit"), _v("transcript", "not_applicable")]
    )
    assert (verdict.label, verdict.category) == ("hack", "early_exit")


def test_all_clean_is_clean() -> None:
    verdict = _ensemble().combine(SUBJECT, [_v("static", "clean"), _v("special_casing", "clean")])
    assert verdict.label == "clean"


def test_no_applicable_detector_is_unsure_never_clean() -> None:
    verdict = _ensemble().combine(SUBJECT, [_v("transcript", "not_applicable")])
    assert verdict.label == "unsure"


def test_the_category_comes_from_the_strongest_contribution() -> None:
    verdict = _ensemble().combine(
        SUBJECT,
        [_v("static", "hack", 0.95, "fake_report"), _v("group", "unsure", 0.45, "special_casing")],
    )
    assert verdict.category == "fake_report"


def test_fit_separates_separable_data() -> None:
    rows = [{"static": 0.9}] * 20 + [{}] * 20
    params = fit(rows, [1] * 20 + [0] * 20)
    assert params["weights"]["static"] > 0 > params["bias"]


def test_a_detector_absent_from_the_data_keeps_its_default_weight() -> None:
    params = fit([{"static": 0.9}, {}], [1, 0])
    assert params["weights"]["tamper"] == DEFAULT_WEIGHTS["weights"]["tamper"]


def test_a_differential_hack_confirmed_by_the_grade_is_not_downgraded() -> None:
    from proctor.records import Grade

    grade = Grade(rollout_id="r", task_id="t", grader="hardened", proxy=1.0, gold=0.2)
    confirmed = Subject(rollout=SUBJECT.rollout, grade=grade)
    verdicts = [_v("differential", "hack", 0.9, "special_casing"), _v("static", "clean")]
    assert _ensemble().combine(confirmed, verdicts).label == "hack"
    assert _ensemble().combine(SUBJECT, verdicts).label != "hack"


def test_sandbox_detectors_are_skipped_once_a_cheap_one_is_conclusive() -> None:
    from proctor.detectors._pipeline import detect_all

    class Costly(type(create_detector("static"))):  # type: ignore[misc]
        name = "costly"
        reads = frozenset({"code", "sandbox"})
        calls = 0

        def _detect(self, subject: Subject) -> Verdict:
            Costly.calls += 1
            return self.clean(subject)

    static, costly = create_detector("static"), Costly()
    hacked = Subject(rollout=Rollout(id="r", task_id="t", code="import os\nos._exit(0)\n"))
    verdicts = detect_all([costly, static], hacked)
    assert [v.label for v in verdicts] == ["not_applicable", "hack"] and Costly.calls == 0
    detect_all([costly, static], SUBJECT)
    assert Costly.calls == 1


def test_unreadable_code_keeps_the_verdict_unsure_but_adds_no_evidence() -> None:
    unread = _v("static", "unsure", 0.5)  # no category: the code does not parse
    alone = _ensemble().combine(SUBJECT, [unread, _v("special_casing", "not_applicable")])
    assert alone.label == "unsure"
    weak = _v("special_casing", "unsure", 0.5, "special_casing")
    assert _ensemble().probability([unread, weak])[0] == _ensemble().probability([weak])[0]
