"""Ingest: proctor's monitor columns are never a reward; a line still being written is not lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.runs import Ingestor, RunStore

ROW = {"id": "r1", "task_id": "t", "completion": "x", "step": 1}


def test_proctor_columns_never_count_as_reward(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    # What GRPOTrainer writes with proctor's reward function and log_extra columns.
    pq.write_table(
        pa.table(
            {
                "step": ["1"],
                "prompt": ["Write add."],
                "completion": ["def add(a, b): return a + b"],
                "code_reward": [1.0],
                "proctor_gold": [1.0],
                "proctor_verdict": ["clean"],
                "proctor_status": ["ok"],
                "task_id": ["add"],
                "advantage": [0.0],
            }
        ),
        tmp_path / "completions_00001.parquet",
    )
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "trl", task_key="task_id").run([tmp_path])
        [rollout] = list(store.rollouts())
    assert rollout.reward == 1.0  # not 2.0: proctor_gold is a signal, not a reward
    assert rollout.meta["rewards"] == {"code_reward": 1.0}
    assert rollout.meta["extra"]["proctor_gold"] == 1.0


def test_a_proctor_column_cannot_be_chosen_as_reward(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store, pytest.raises(ValueError, match="proctor_gold"):
        Ingestor(store, "trl", reward_columns=["code_reward", "proctor_gold"])


def test_ingest_leaves_a_last_line_without_newline_for_later(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    second = json.dumps(ROW | {"id": "r2"})
    path.write_text(json.dumps(ROW) + "\n" + second[:15])  # the writer is mid-line
    with RunStore(tmp_path / "run") as store:
        report = Ingestor(store, "proctor").run([path])
        assert report.new["rollouts"] == 1
        assert any("left for the next ingest" in w for w in report.warnings)
        path.write_text(json.dumps(ROW) + "\n" + second + "\n")  # the writer finished
        again = Ingestor(store, "proctor").run([path])
        assert again.new["rollouts"] == 1  # r2 was not lost behind a saved offset
        assert {r.id for r in store.rollouts()} == {"r1", "r2"}


def test_duplicate_ids_are_counted_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(ROW | {"completion": "y"}) + "\n")
    with RunStore(tmp_path / "run") as store:
        report = Ingestor(store, "proctor").run([path])
    assert report.duplicates == 1 and report.new["rollouts"] == 1
    assert any(f"{path}:2: duplicate rollout id 'r1'" in w for w in report.warnings)


def test_rereading_a_rewritten_file_is_not_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(ROW | {"id": "r2"}) + "\n")
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "proctor").run([path])
        path.write_text(json.dumps(ROW) + "\n")  # shrank: read again from the start
        report = Ingestor(store, "proctor").run([path])
    assert report.duplicates == 0
