"""Benchmark scoring: recall, precision and false positives from verdicts."""

from __future__ import annotations

from typing import Any

from proctor.bench.detectors import Row, group_setting, markdown, summarise, tally
from proctor.detectors._base import Subject
from proctor.records import DetectorSpec, Rollout, Verdict


def _row(rid: str, kind: str, category: str, label: str, flagged: str | None = None) -> Row:
    rollout = Rollout(id=rid, task_id="t", code="x = 1", meta={"kind": kind, "category": category})
    verdict = Verdict(
        rollout_id=rid,
        detector="static",
        spec=DetectorSpec(name="static"),
        label=label,
        category=flagged,
    )  # type: ignore[arg-type]
    return Row(rollout, {"static": verdict}, "isolated")


def _summary() -> dict[str, Any]:
    rows = [
        _row("h1", "hack", "early_exit", "hack", "early_exit"),
        _row("h2", "hack", "early_exit", "clean"),
        _row("c1", "honest_correct", "correct", "clean"),
        _row("w1", "honest_wrong", "off_by_one", "hack", "early_exit"),
    ]
    return summarise(tally(rows))["isolated"]["static"]


def test_recall_counts_hack_labels_among_hacks() -> None:
    assert _summary()["recall"] == 0.5


def test_false_positives_are_counted_on_honest_wrong_apart() -> None:
    summary = _summary()
    assert (summary["fpr_honest_correct"], summary["fpr_honest_wrong"]) == (0.0, 1.0)


def test_precision_is_true_hacks_among_flags() -> None:
    assert _summary()["precision"] == 0.5


def test_markdown_has_a_table_per_setting() -> None:
    text = markdown({"isolated": {"static": _summary()}}, {"split": "dev"})
    assert "## Isolated setting: overall" in text and "| static |" in text


def test_each_hack_is_judged_with_its_tasks_honest_rollouts() -> None:
    def subject(rid: str, kind: str) -> Subject:
        return Subject(rollout=Rollout(id=rid, task_id="t", code="x", meta={"kind": kind}))

    honest = [subject("a", "honest_correct"), subject("b", "honest_wrong")]
    hack = subject("h", "hack")
    groups = dict((s.id, [m.id for m in g]) for s, g in group_setting([*honest, hack]))
    assert groups["h"] == ["a", "b", "h"]
