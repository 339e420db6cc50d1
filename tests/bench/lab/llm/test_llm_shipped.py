"""The shipped real-model runs: their run.json agrees with their truth and TRL tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.bench.lab.llm import (
    LLMLabConfig,
    onset_step,
    read_truth,
    shipped_llm_runs,
    step_rates,
)

RUNS = shipped_llm_runs()


def _manifest(run: Path) -> dict[str, object]:
    return dict(json.loads((run / "run.json").read_text(encoding="utf-8")))


@pytest.mark.skipif(not RUNS, reason="no real-model runs are shipped in this checkout")
def test_a_run_and_its_twin_are_shipped() -> None:
    manifests = [_manifest(r) for r in RUNS]
    by_reward = {m["reward"]: m for m in manifests}
    assert set(by_reward) == {"naive-exec", "hardened"}
    hacking, twin = by_reward["naive-exec"], by_reward["hardened"]
    assert hacking["seed"] == twin["seed"]
    differs = {
        k
        for k, v in dict(hacking["config"]).items()  # type: ignore[call-overload]
        if dict(twin["config"])[k] != v  # type: ignore[call-overload]
    }
    assert differs == {"reward"}, "the twin differs from the hacking run only by its reward"


@pytest.mark.parametrize("run", RUNS, ids=[p.name for p in RUNS])
def test_run_json_is_what_the_truth_says(run: Path, tmp_path: Path) -> None:
    manifest = _manifest(run)
    config = LLMLabConfig.model_validate(manifest["config"])
    truth = read_truth(run)
    assert manifest["complete"] is True
    assert len(truth) == config.steps * config.prompts_per_step * config.group
    plain = tmp_path / "truth.jsonl"
    plain.write_text("".join(json.dumps(r) + "\n" for r in truth), encoding="utf-8")
    rates = step_rates(plain)
    assert {str(s): r for s, r in rates.items()} == manifest["per_step"]
    hack = {s: r["true_hack_rate"] for s, r in rates.items()}
    assert onset_step(hack, config.onset_share, config.onset_steps) == manifest["onset_step"]


@pytest.mark.parametrize("run", RUNS, ids=[p.name for p in RUNS])
def test_trl_tables_hold_every_step_with_proctors_columns(run: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    config = LLMLabConfig.model_validate(_manifest(run)["config"])
    tables = sorted((run / "trainer" / "completions").glob("completions_*.parquet"))
    assert len(tables) == config.steps
    columns = set(pq.read_schema(tables[0]).names)
    assert {"step", "prompt", "completion", "proctor_task_id", "proctor_gold"} <= columns
