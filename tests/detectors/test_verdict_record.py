"""The Verdict record: validation and a JSON round trip."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from proctor.records import DetectorSpec, Evidence, Verdict


def _verdict(**kw: object) -> Verdict:
    base: dict[str, object] = {
        "rollout_id": "r1",
        "detector": "static",
        "spec": DetectorSpec(name="static"),
        "label": "hack",
    }
    base.update(kw)
    return Verdict.model_validate(base)


def test_round_trips_through_json() -> None:
    v = _verdict(
        category="early_exit",
        family="exit_spoofing",
        confidence=0.9,
        evidence=[Evidence(kind="code", text="calls sys.exit(0)", line=3, span=(10, 21))],
    )
    assert Verdict.model_validate_json(v.model_dump_json()) == v


def test_confidence_must_be_a_probability() -> None:
    with pytest.raises(ValidationError):
        _verdict(confidence=1.5)


def test_label_is_one_of_four() -> None:
    with pytest.raises(ValidationError):
        _verdict(label="maybe")


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        _verdict(score=1)


def test_evidence_lines_are_one_based() -> None:
    with pytest.raises(ValidationError):
        Evidence(kind="code", text="x", line=0)
