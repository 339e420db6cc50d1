"""docs/detectors.md stays in step with the taxonomy and the shipped benchmark."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.detectors import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "detectors.md").read_text()


def test_every_category_is_documented_with_its_slug() -> None:
    assert [c for c in CATEGORIES if f"`{c}`" not in DOC] == []


def test_the_documented_ensemble_row_is_the_shipped_result() -> None:
    results = json.loads((REPO / "benchmarks" / "results" / "detectors.json").read_text())
    recall = results["results"]["isolated"]["ensemble"]["recall"]
    assert f"**{100 * recall:.1f}%**" in DOC


def test_the_reproduce_command_is_documented() -> None:
    assert "proctor bench detectors" in DOC


def test_the_documented_realistic_row_is_the_shipped_result() -> None:
    results = json.loads((REPO / "benchmarks" / "results" / "detectors-realistic.json").read_text())
    recall = results["results"]["all"]["ensemble"]["recall"]
    assert f"| all | {results['results']['all']['ensemble']['n_hacks']} |" in DOC
    assert f"| {100 * recall:.1f}% |" in DOC
