"""Probe scores reach the monitor from the run store: TRL columns and proctor JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.monitor import analyse_records, load_run
from proctor.runs import Ingestor, RunStore


def test_a_trl_probe_column_is_a_signal_not_a_reward(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    for step in (1, 2):
        pq.write_table(
            pa.table(
                {
                    "step": [str(step)] * 4,
                    "prompt": ["Write add."] * 4,
                    "completion": ["def add(a, b): return a + b"] * 4,
                    "code_reward": [1.0, 1.0, 0.0, 1.0],
                    "proctor_probe_score": [0.1, 0.9, 0.2, None],  # TRL writes None as null
                    "task_id": ["add"] * 4,
                }
            ),
            tmp_path / f"completions_{step:05d}.parquet",
        )
    run = tmp_path / "run"
    with RunStore(run) as store:
        Ingestor(store, "trl", task_key="task_id").run([tmp_path])
    records = load_run(run)
    assert [r.reward for r in records.rollouts][:4] == [1.0, 1.0, 0.0, 1.0]  # not + the score
    table = analyse_records(records).table
    assert table.probed.tolist() == [3, 3]  # the null is no score
    assert table.get("probe_mean").tolist() == pytest.approx([0.4, 0.4])
    assert table.get("probe_above").tolist() == pytest.approx([1 / 3, 1 / 3])


def test_proctor_jsonl_probe_scores_survive_the_store(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"s{s}-{i}",
            "task_id": "t",
            "completion": "x",
            "step": s,
            "meta": {"probe_score": 0.8 if i < s else 0.1},
        }
        for s in range(3)
        for i in range(4)
    ]
    (tmp_path / "rollouts.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    run = tmp_path / "run"
    with RunStore(run) as store:
        Ingestor(store, "proctor").run([tmp_path / "rollouts.jsonl"])
    table = analyse_records(load_run(run)).table
    assert table.probe_flagged.tolist() == [0, 1, 2]
    assert table.kinds["probe_p90"] == "internal"
