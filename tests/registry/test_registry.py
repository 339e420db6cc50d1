"""One registry for graders, detectors and sandboxes: names, re-registration, plug-ins."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pytest

from _add_task import ADD
from proctor.graders import HardenedGrader, create_grader, create_grader_from_spec
from proctor.records import Grade, Rollout
from proctor.registry import DETECTORS, GRADERS, SANDBOXES, Registry


def plugin_factory(**options: Any) -> dict[str, Any]:
    """A third-party part made by a factory."""
    return {"made": True, **options}


def test_registering_the_same_factory_twice_is_harmless() -> None:
    registry: Registry[Any] = Registry("grader", (), "proctor.test-none")
    registry.register("x", plugin_factory, "one")
    registry.register("x", plugin_factory, "one")
    assert registry.names() == {"x": "one"}


def test_a_different_factory_under_a_taken_name_is_refused() -> None:
    registry: Registry[Any] = Registry("grader", (), "proctor.test-none")
    registry.register("x", plugin_factory, "one")
    with pytest.raises(ValueError, match="already registered"):
        registry.register("x", dict, "two")


def test_an_unknown_name_lists_close_matches() -> None:
    with pytest.raises(KeyError, match="Did you mean 'hardened'"):
        GRADERS.get("hardend")


def test_builtins_of_every_kind_are_registered() -> None:
    assert {"hardened", "naive-exec", "workspace-hardened"} <= set(GRADERS.names())
    assert {"static", "differential", "ensemble"} <= set(DETECTORS.names())
    assert "local" in SANDBOXES.names()


def test_a_plugin_loads_through_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    point = metadata.EntryPoint(
        name="thirdparty", value=f"{__name__}:plugin_factory", group="proctor.graders"
    )
    monkeypatch.setattr(
        metadata, "entry_points", lambda group: [point] if group == "proctor.graders" else []
    )
    registry: Registry[Any] = Registry("grader", (), "proctor.graders")
    assert registry.names() == {"thirdparty": "A third-party part made by a factory."}
    assert registry.create("thirdparty", level=2) == {"made": True, "level": 2}


def test_a_broken_plugin_does_not_break_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    point = metadata.EntryPoint(
        name="broken", value="no_such_module_xyz:thing", group="proctor.detectors"
    )
    monkeypatch.setattr(metadata, "entry_points", lambda group: [point])
    registry: Registry[Any] = Registry("detector", (), "proctor.detectors")
    assert registry.names() == {}


def test_each_grade_carries_a_spec_that_recreates_its_grader() -> None:
    rollout = Rollout(id="r", task_id=ADD.id, code="def add(a, b):\n    return a + b\n")
    with create_grader("naive-exec", timeout=10.0) as grader:
        grade = grader.grade(ADD, rollout)
    assert grade.spec is not None and grade.spec.name == "naive-exec"
    assert grade.spec.options == {"timeout": 10.0}
    again = Grade.model_validate_json(grade.model_dump_json())
    with create_grader_from_spec(again.spec or {}) as copy:
        assert copy.name == "naive-exec" and copy.grade(ADD, rollout).proxy == grade.proxy


def test_a_grader_made_directly_stamps_its_name() -> None:
    with HardenedGrader(workers=1) as grader:
        assert grader.spec.name == "hardened"
