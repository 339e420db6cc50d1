"""The run-store reader: the trainer's reward against the gold grade, grouped per prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.audit import build_card, runstore_table
from proctor.records import Grade, Rollout
from proctor.runs import RunStore


def test_runstore_table_pairs_reward_with_gold(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store:
        rollouts = [
            Rollout(
                id=f"r{i}",
                task_id=f"t{i // 4}",
                completion="x" * (10 + i),
                group=f"g{i // 4}",
                step=0,
                reward=float(i % 4 == 0),
            )
            for i in range(16)
        ]
        store.add_rollouts(rollouts)
        store.add_grades(
            [
                Grade(
                    rollout_id=r.id,
                    task_id=r.task_id,
                    grader="hardened",
                    proxy=1.0,
                    gold=float(i % 4 == 0),
                )
                for i, r in enumerate(rollouts)
            ]
        )
    table = runstore_table(tmp_path / "run")
    assert len(table) == 16 and table.problems == 4
    card = build_card(table, reps=20)
    assert card["one_vs_rest"]["accuracy"] == 1.0  # the reward picks the gold one each time


def test_runstore_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no run\.sqlite"):
        runstore_table(tmp_path)
