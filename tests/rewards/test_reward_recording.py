"""Every scored rollout, with its grade and verdict, is recorded for the run monitor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from _add_task import ADD, FAST
from proctor.rewards import CodeReward
from proctor.runs import RunStore

HONEST = "def add(a, b):\n    return a + b\n"


def test_rollouts_grades_and_verdicts_reach_the_run_store(tmp_path: Path) -> None:
    with CodeReward([ADD], limits=FAST, workers=1, detect=True, record_to=tmp_path) as reward:
        results = reward.score_batch(
            [HONEST, "import sys\nsys.exit(0)\n"], [ADD.id, ADD.id], prompts=["p", "p"], step=7
        )
    with RunStore(tmp_path, readonly=True) as store:
        rollouts = list(store.rollouts())
        grades = {g.rollout_id: g for g in store.grades()}
        verdicts = {v.rollout_id: v for v in store.verdicts()}
    assert [r.id for r in rollouts] == [r.rollout_id for r in results]
    assert [r.reward for r in rollouts] == [1.0, 0.0]
    assert {r.step for r in rollouts} == {7} and rollouts[0].group == rollouts[1].group
    assert grades[results[0].rollout_id].gold == 1.0
    assert verdicts[results[1].rollout_id].label == "hack"


def test_without_the_run_store_records_go_to_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "proctor.runs", None)  # import now raises ImportError
    with CodeReward([ADD], limits=FAST, workers=1, record_to=tmp_path) as reward:
        [result] = reward.score_batch([HONEST], [ADD.id])
    rollout = json.loads((tmp_path / "rollouts.jsonl").read_text())
    grade = json.loads((tmp_path / "grades.jsonl").read_text())
    assert rollout["id"] == grade["rollout_id"] == result.rollout_id
    assert rollout["reward"] == 1.0 and grade["gold"] == 1.0
