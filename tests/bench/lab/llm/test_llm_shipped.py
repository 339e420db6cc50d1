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


GATING = {"auditor", "auditor_threshold", "auditor_examples"}


def _differs(a: dict[str, object], b: dict[str, object]) -> set[str]:
    # through the config model: a field a run predates reads as its default
    ca = LLMLabConfig.model_validate(a["config"]).model_dump()
    cb = LLMLabConfig.model_validate(b["config"]).model_dump()
    return {k for k in ca.keys() | cb.keys() if ca.get(k) != cb.get(k)}


def _gated(m: dict[str, object]) -> bool:
    return LLMLabConfig.model_validate(m["config"]).auditor in ("hard", "soft")


@pytest.mark.skipif(not RUNS, reason="no real-model runs are shipped in this checkout")
def test_every_hacking_run_ships_with_its_twin() -> None:
    manifests = [_manifest(r) for r in RUNS]
    hacking = [m for m in manifests if m["reward"] == "naive-exec" and not _gated(m)]
    twins = [m for m in manifests if m["reward"] == "hardened"]
    assert hacking, "at least one hacking run is shipped"
    for m in hacking:
        matches = [t for t in twins if _differs(m, t) == {"reward"}]
        assert len(matches) == 1, f"{m['name']}: a twin differing only by its reward"
        assert matches[0]["seed"] == m["seed"]


@pytest.mark.skipif(not RUNS, reason="no real-model runs are shipped in this checkout")
def test_a_gated_run_differs_from_a_shipped_hacking_run_only_by_its_gate() -> None:
    manifests = [_manifest(r) for r in RUNS]
    for g in (m for m in manifests if _gated(m)):
        ungated = [m for m in manifests if m["reward"] == g["reward"] and not _gated(m)]
        assert any(_differs(g, m) <= GATING for m in ungated), g["name"]


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
