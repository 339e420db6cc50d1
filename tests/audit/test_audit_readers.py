"""The RewardMATH and ProcessBench readers: shapes, pairwise conversion, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _audit_fixtures import write_processbench, write_rewardmath

from proctor.audit import (
    processbench_tables,
    read_rewardmath_file,
    rewardmath_tables,
    run_suggestion,
)
from proctor.bench.mitigations import load_scores


def test_rewardmath_tables_read_every_kind(tmp_path: Path) -> None:
    tables = {t.scorer: t for t in rewardmath_tables(write_rewardmath(tmp_path))}
    assert {t.kind for t in tables.values()} == {"pointwise", "prm", "pairwise"}
    point = tables["pointy"]
    assert len(point) == 200 and point.gold[::10].tolist() == [1.0] * 20
    assert "repeated problem" in point.notes[0]
    # every scorer gets the step counts of the PRM file
    assert np.array_equal(point.numeric["steps"], tables["steppy"].numeric["steps"])


def test_pairwise_conversion_follows_rewardmath(tmp_path: Path) -> None:
    judge = next(t for t in rewardmath_tables(write_rewardmath(tmp_path)) if t.kind == "pairwise")
    # the correct solution won 8 of 9: score 9; the one incorrect winner scores 9 + 2
    first = judge.score[:10]
    assert first[0] == 9 and sorted(first[1:]).count(11) == 1


def test_mitigations_read_through_the_same_reader(tmp_path: Path) -> None:
    point, steps, pairwise = load_scores(write_rewardmath(tmp_path))
    assert set(point) == {"pointy"} and set(steps) == {"steppy"} and pairwise == 1
    assert point["pointy"].shape == (20, 10)


def test_bad_rewardmath_file_names_file_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "x_reward.json"
    bad.write_text(
        json.dumps([{"problem": "p", "solution_reference": ["a"] * 10, "score": [1, 2]}])
    )
    with pytest.raises(ValueError, match=r"x_reward.json: problem 0: 'score' must list 10"):
        read_rewardmath_file(bad)


def test_processbench_reader_finds_score_columns_only(tmp_path: Path) -> None:
    tables = processbench_tables(write_processbench(tmp_path / "pb.jsonl"))
    # per_step_len (integers) is not a score column
    assert [t.scorer for t in tables] == ["toy-prm", "noisy-prm"]
    table = tables[0]
    assert table.first_error is not None and table.problems == 20
    assert set(table.flags) >= {"boxed answer", "display math"}


def test_processbench_label_out_of_range_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(
            {"problem": "p", "steps": ["a"], "label": 3, "final_answer_correct": False, "s": [0.5]}
        )
        + "\n"
    )
    with pytest.raises(ValueError, match="label 3 outside"):
        processbench_tables(path)


def test_processbench_prms_of_one_file_can_be_ensembled(tmp_path: Path) -> None:
    tables = processbench_tables(write_processbench(tmp_path / "pb.jsonl"))
    result = run_suggestion(tables[0], "ensemble_uwo", tables)
    assert "2 standardised scorers" in result["note"]
