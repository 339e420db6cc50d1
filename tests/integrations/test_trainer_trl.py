"""proctor inside TRL's own GRPOTrainer: docs/trainers/trl.md's script, 2 real steps.

The model is a tiny randomly initialised Llama built from a config, with a BPE
tokenizer trained here on the task prompts (nothing is downloaded). Its completions
are noise, so the visible-test reward is 0; what is checked is that proctor runs
inside TRL's loop as TRL calls it: rewards, the ``proctor_*`` columns of TRL's
completions table, the run store the reward records to, step numbers that agree,
and the callback's stop recorded as an alert.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from _trainer_docs import block, need

from _add_task import ADD
from _tiny_lm import tiny_causal_lm

pytestmark = pytest.mark.trainers


def _tiny_model(root: Path) -> Path:
    """A 2-layer Llama with a 300-token BPE vocabulary, saved like a hub checkpoint."""
    corpus = [ADD.prompt, ADD.reference or "", "def add(a, b):\n    return a + b\n"] * 20
    return tiny_causal_lm(root, corpus)


def _script() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "train_grpo_code"}
    exec(
        compile(block("trl.md", "# train_grpo_code.py"), "docs/trainers/trl.md", "exec"), namespace
    )
    return namespace


TINY = dict(
    num_generations=4,
    per_device_train_batch_size=4,
    max_completion_length=12,
    max_steps=2,
    use_cpu=True,
    bf16=False,
    save_strategy="no",
    seed=0,
    dataloader_num_workers=0,
)


@pytest.fixture()
def tasks(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(ADD.model_dump(mode="json", exclude_none=True)) + "\n")
    return path


def test_grpo_trainer_runs_proctor_and_logs_its_extras(tmp_path: Path, tasks: Path) -> None:
    need("trl", "TRL")
    pq = pytest.importorskip("pyarrow.parquet")
    run = tmp_path / "run"
    trainer = _script()["train"](str(_tiny_model(tmp_path)), str(tasks), str(run), **TINY)
    assert trainer.state.global_step == 2

    tables = sorted((run / "trainer" / "completions").glob("completions_*.parquet"))
    assert [t.name for t in tables] == ["completions_00001.parquet", "completions_00002.parquet"]
    rows = [r for t in tables for r in pq.read_table(t).to_pylist()]
    assert len(rows) == 8  # 2 steps x 4 generations
    assert {r["step"] for r in rows} == {1, 2}
    # The reward TRL optimised: noise scores 0 on the visible tests, never None here.
    assert all(r["code_reward"] == 0.0 for r in rows)
    assert all(r["proctor_status"] == "ok" for r in rows)  # graded, not an infra error
    assert all(r["proctor_gold"] == 0.0 for r in rows)
    assert all(r["proctor_verdict"] in {"clean", "unsure", "hack", "not_applicable"} for r in rows)
    logged = {k for entry in trainer.state.log_history for k in entry}
    assert {"rewards/code_reward/mean", "proctor/gold"} <= logged

    from proctor.runs import Ingestor, RunStore

    with RunStore(run, readonly=True) as store:
        recorded = list(store.rollouts())
    assert sorted({r.step for r in recorded}) == [1, 2]  # TRL's step numbers, from 1
    assert len(recorded) == 8 and all(r.reward == 0.0 for r in recorded)
    with RunStore(tmp_path / "ingested") as store:
        Ingestor(store, "trl", task_key="proctor_task_id").run([run / "trainer" / "completions"])
        ingested = list(store.rollouts())
    assert sorted({r.step for r in ingested}) == [1, 2]
    assert all(r.reward == 0.0 and "proctor_gold" not in r.meta["rewards"] for r in ingested)
    assert {r.task_id for r in ingested} == {ADD.id}


def test_callback_stops_grpo_and_the_report_shows_it(tmp_path: Path, tasks: Path) -> None:
    need("trl", "TRL")
    from proctor.monitor._run import analyse_records, load_run

    run = tmp_path / "run"
    alarm = dict(
        alert=lambda step: "run monitor: hack rate 80%" if step >= 1 else None, action="stop"
    )
    trainer = _script()["train"](
        str(_tiny_model(tmp_path)), str(tasks), str(run), callback_options=alarm, **TINY
    )
    assert trainer.state.global_step == 1  # stopped after the first of 2 steps
    analysis = analyse_records(load_run(run))
    [stop] = [a for a in analysis.alerts if a.kind == "trainer_stop"]
    assert stop.first_step == 1 and "run monitor: hack rate 80%" in stop.message
    assert analysis.status == "hack"
    assert not math.isnan(analysis.table.counts[0])
