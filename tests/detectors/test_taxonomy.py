"""The taxonomy: families, categories, aliases."""

from __future__ import annotations

import pytest

from proctor.detectors import CATEGORIES, FAMILIES, category
from proctor.detectors._taxonomy import categories_of_kind


def test_every_category_belongs_to_a_known_family() -> None:
    assert {c.family for c in CATEGORIES.values()} <= set(FAMILIES)


def test_every_family_has_a_category() -> None:
    assert set(FAMILIES) == {c.family for c in CATEGORIES.values()}


def test_every_category_has_an_example_and_a_trace_mapping() -> None:
    assert all(c.example and c.trace for c in CATEGORIES.values())


def test_semantic_categories_are_special_casing_and_hard_coding() -> None:
    assert categories_of_kind("semantic") == ["special_casing", "hardcoded_output"]


@pytest.mark.parametrize(
    ("alias", "slug"),
    [
        ("exit_code", "early_exit"),
        ("fake_output", "fake_report"),
        ("conftest", "test_modification"),
        ("patch_builtins", "framework_patch"),
    ],
)
def test_demo_suite_names_resolve(alias: str, slug: str) -> None:
    assert category(alias).slug == slug


def test_unknown_category_names_close_matches() -> None:
    with pytest.raises(KeyError, match="early_exit"):
        category("early_exits")
