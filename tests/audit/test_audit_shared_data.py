"""The audit on the real shipped scores (skipped with a message when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _audit_fixtures import SHARED

from proctor.audit import first_error_report, one_vs_rest, processbench_tables, rewardmath_tables

pytestmark = pytest.mark.shared_data


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found (it lives in ../shared/data; set PROCTOR_SHARED_DATA)")
    return path


def test_rewardmath_accuracies_follow_the_official_definition() -> None:
    root = _need(SHARED / "rewardmath" / "scores").parent
    tables = {
        t.scorer: t for t in rewardmath_tables(root, names=["internlm2", "gpt4o", "gpt4_pairwise"])
    }
    acc = {k: one_vs_rest(t) for k, t in tables.items()}
    assert all(a is not None and a["problems"] == 483 for a in acc.values())
    # figures the official eval.py definition gives on these files (docs/audit.md)
    assert round(100 * acc["internlm2"]["accuracy"], 2) == 37.27  # type: ignore[index]
    assert round(100 * acc["gpt4o"]["accuracy"], 2) == 25.88  # type: ignore[index]
    assert round(100 * acc["gpt4_pairwise"]["accuracy"], 2) == 29.81  # type: ignore[index]


def test_processbench_f1_of_the_qwen_prm_at_half() -> None:
    path = _need(SHARED / "prm-biasbench" / "processbench.parquet")
    (qwen,) = processbench_tables(path, scorers=["Qwen2.5-Math-PRM-7B"])
    report = first_error_report(qwen, 0.5)
    assert report is not None
    # ProcessBench's published GSM8K F1 for this PRM is 82.4; these shipped scores give 81.8
    assert abs(report["by_split"]["gsm8k"]["f1"] - 0.818) < 0.005
