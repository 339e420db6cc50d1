"""The detector registry: names, specs, re-creation."""

from __future__ import annotations

import pytest

from proctor.detectors import (
    create_detector,
    create_detector_from_spec,
    default_detectors,
    detector_names,
)
from proctor.detectors._base import Subject
from proctor.records import Rollout


def test_builtin_detectors_are_registered() -> None:
    assert {
        "static",
        "special_casing",
        "differential",
        "transcript",
        "group",
        "tamper",
        "llm_judge",
        "ensemble",
    } <= set(detector_names())


def test_llm_judge_and_ensemble_are_not_run_by_default() -> None:
    assert not {"llm_judge", "ensemble"} & set(default_detectors())


def test_spec_keeps_options_but_not_resources() -> None:
    detector = create_detector("differential", pool=object(), min_isolated=3)
    assert detector.spec.options == {"min_isolated": 3}


def test_detector_is_recreated_from_the_spec_in_its_verdict() -> None:
    detector = create_detector("static", hack_at=0.8)
    verdict = detector.detect(Subject(rollout=Rollout(id="r", task_id="t", code="x = 1\n")))
    again = create_detector_from_spec(verdict.spec.model_dump())
    assert (again.name, again.spec) == ("static", verdict.spec)


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(KeyError, match="'static'"):
        create_detector("statik")


def test_a_registered_class_reads_what_the_class_declares() -> None:
    from proctor.detectors._registry import registered

    for name in ("static", "differential", "llm_judge", "ensemble"):
        entry = registered(name)
        assert entry.reads == entry.factory.reads  # type: ignore[attr-defined]


def test_a_factory_function_must_say_what_it_reads() -> None:
    from proctor.detectors import register_detector
    from proctor.detectors._static import StaticDetector

    def unnamed_inputs() -> StaticDetector:
        return StaticDetector()

    with pytest.raises(TypeError, match="reads"):
        register_detector("test-no-reads", "a factory with no reads")(unnamed_inputs)
