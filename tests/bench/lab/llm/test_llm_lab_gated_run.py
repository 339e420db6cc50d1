"""`proctor lab llm --auditor hard` end to end through TRL's GRPOTrainer, on a tiny model.

The probe is trained on the starting policy over demonstrations on the demonstration
tasks, then read on the live policy each GRPO step; what is checked is the wiring: the
probe's rows, truth.jsonl with the ungated proxy beside the gated reward and the score,
TRL's table with the same numbers, and run.json's record of the auditor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _needs import need_trainer_stack
from _tiny_lm import tiny_causal_lm

pytestmark = pytest.mark.trainers

STEPS, PROMPTS, GROUP = 2, 2, 2


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    need_trainer_stack("trl", "datasets", "sklearn", what="the gated real-model lab")
    from proctor.bench.lab.llm import LLMLabConfig, all_tasks, demonstrations, run_llm_lab

    class Plain:
        chat_template = None

    rows = demonstrations(Plain(), list(all_tasks(0)), n=60, hack_share=0.3, seed=0)
    root = tmp_path_factory.mktemp("gated")
    model = tiny_causal_lm(root, [r["prompt"] + r["completion"] for r in rows], vocab_size=400)
    config = LLMLabConfig(
        model=str(model),
        reward="naive-exec",
        seed=3,
        steps=STEPS,
        prompts_per_step=PROMPTS,
        group=GROUP,
        max_completion_length=16,
        sft_examples=0,  # the base model: the gate's wiring is what is tested
        eval_samples=0,
        workers=1,
        train_layers=1,
        auditor="hard",
        auditor_threshold=0.5,
        auditor_examples=16,
    )
    out = root / "run"
    return out, run_llm_lab(config, out, cache=root / "cache")


def _truth(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "truth.jsonl").read_text().splitlines()]


def test_the_probe_never_sees_an_rl_task(gated_run: tuple[Path, dict[str, Any]]) -> None:
    out, info = gated_run
    rows = [json.loads(line) for line in (out / "auditor" / "rows.jsonl").read_text().splitlines()]
    used = {r["task_id"] for r in rows}
    assert used and not used & set(info["tasks"]["rl"])
    assert used <= set(info["tasks"]["demonstration"])
    assert (out / "auditor" / "probe.json").is_file()


def test_truth_holds_the_ungated_proxy_the_gated_reward_and_the_score(
    gated_run: tuple[Path, dict[str, Any]],
) -> None:
    out, info = gated_run
    truth = _truth(out)
    assert len(truth) == STEPS * PROMPTS * GROUP
    for r in truth:
        assert {"proxy", "gold", "hack", "reward", "auditor_score"} <= set(r)
        score = r["auditor_score"]
        if r["proxy"] is None:
            assert r["reward"] is None
        elif score is not None and score >= 0.5:
            assert r["reward"] == 0.0
        else:
            assert r["reward"] == r["proxy"]
    assert info["per_step"]["1"]["reward_mean"] <= info["per_step"]["1"]["proxy_mean"]


def test_trls_table_logs_the_gated_reward_and_the_probe_score(
    gated_run: tuple[Path, dict[str, Any]],
) -> None:
    import pyarrow.parquet as pq

    out, info = gated_run
    truth = _truth(out)
    tables = sorted((out / "trainer" / "completions").glob("*.parquet"))
    assert len(tables) == STEPS
    table = pq.read_table(tables[0]).to_pydict()
    column = info["auditor"]["reward_column"]
    assert column == "naive_exec_reward_audited"
    first = truth[: PROMPTS * GROUP]
    assert table["completion"] == [r["completion"] for r in first]
    assert table[column] == pytest.approx([r["reward"] for r in first], nan_ok=True)
    logged = table["proctor_probe_score"]
    assert [None if x != x else x for x in logged] == pytest.approx(
        [r["auditor_score"] for r in first]
    )


def test_run_json_records_the_auditor(gated_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = gated_run
    run = json.loads((out / "run.json").read_text())
    auditor = run["auditor"]
    assert auditor["mode"] == "hard" and auditor["threshold"] == 0.5
    assert auditor["rows"] == 16 and auditor["positives"] == 8
    assert 0.0 <= auditor["cv_auc"] <= 1.0
    assert {c["pooling"] for c in auditor["cv"]} == {"mean"}
    assert run["config"]["auditor"] == "hard"
    assert run["complete"] is True and run["steps_done"] == STEPS
