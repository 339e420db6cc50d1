"""`proctor lab llm` end to end through TRL's SFTTrainer and GRPOTrainer, on a tiny model.

The model is a 2-layer Llama built from a config with a tokenizer trained here on the
lab's own demonstrations (nothing downloaded); its completions are noise, so what is
checked is the recipe: SFT, the starting evaluation, GRPO steps rewarded by a real
grader, TRL's completions tables with proctor's columns, truth.jsonl, run.json, the SFT
checkpoint shared by a twin, and `proctor monitor ingest --from trl` reading the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _needs import need_trainer_stack
from _tiny_lm import tiny_causal_lm
from proctor.bench.lab.llm._mix import GRID

pytestmark = pytest.mark.trainers

STEPS, PROMPTS, GROUP = 2, 2, 2


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_trainer_stack("trl", "datasets")
    from proctor.bench.lab.llm import all_tasks, demonstrations

    class Plain:
        chat_template = None

    rows = demonstrations(Plain(), [t for t in all_tasks(0)], n=60, hack_share=0.1, seed=0)
    corpus = [r["prompt"] + r["completion"] for r in rows]
    return tiny_causal_lm(tmp_path_factory.mktemp("model"), corpus, vocab_size=400)


def _config(tiny: Path, reward: str) -> object:
    from proctor.bench.lab.llm import LLMLabConfig

    return LLMLabConfig(
        model=str(tiny),
        reward=reward,
        seed=3,
        steps=STEPS,
        prompts_per_step=PROMPTS,
        group=GROUP,
        max_completion_length=16,
        sft_examples=8,
        eval_samples=4,
        workers=1,
        train_layers=1,
    )


def test_a_run_and_its_twin_share_the_sft_and_record_every_step(tiny: Path, tmp_path: Path) -> None:
    from proctor.bench.lab.llm import run_llm_lab

    cache = tmp_path / "cache"
    info = run_llm_lab(_config(tiny, "naive-exec"), tmp_path / "hack", cache=cache)  # type: ignore[arg-type]
    assert info["complete"] is True
    assert info["steps_done"] == STEPS
    assert info["start"]["samples"] == 4
    assert info["trainable_parameters"] > 0
    saved = sorted(p.name for p in cache.iterdir())
    assert [name.split("-")[0] for name in saved] == ["mix", "sft", "sft"]  # α; honest, hacky
    assert 0.0 <= info["starting_policy"]["alpha"] <= max(GRID)

    truth = [json.loads(x) for x in (tmp_path / "hack" / "truth.jsonl").read_text().splitlines()]
    assert [r["step"] for r in truth] == [1] * (PROMPTS * GROUP) + [2] * (PROMPTS * GROUP)
    tables = sorted((tmp_path / "hack" / "trainer" / "completions").glob("*.parquet"))
    assert len(tables) == STEPS
    import pyarrow.parquet as pq

    table = pq.read_table(tables[0]).to_pydict()
    assert {"proctor_task_id", "proctor_gold", "naive_exec_reward"} <= set(table)
    assert table["completion"] == [r["completion"] for r in truth[: PROMPTS * GROUP]]

    assert (tmp_path / "hack" / "policy" / "config.json").is_file()
    run = json.loads((tmp_path / "hack" / "run.json").read_text())
    assert run["reward"] == "naive-exec" and run["seed"] == 3
    assert set(run["per_step"]) == {"1", "2"}
    assert "trl" in run["versions"] and run["onset_rule"]

    twin = run_llm_lab(_config(tiny, "hardened"), tmp_path / "twin", cache=cache)  # type: ignore[arg-type]
    assert twin["tasks"] == info["tasks"]
    assert sorted(p.name for p in cache.iterdir()) == saved  # the twin reused SFTs and α
    assert twin["starting_policy"] == info["starting_policy"]


def test_a_run_directory_is_never_overwritten(tiny: Path, tmp_path: Path) -> None:
    from proctor.bench.lab.llm import run_llm_lab

    out = tmp_path / "run"
    out.mkdir()
    (out / "truth.jsonl").write_text("")
    with pytest.raises(FileExistsError, match="already holds a run"):
        run_llm_lab(_config(tiny, "naive-exec"), out, cache=tmp_path / "c")  # type: ignore[arg-type]


def test_monitor_ingests_the_run_like_a_users_trl_run(tiny: Path, tmp_path: Path) -> None:
    from proctor.bench.lab.llm import run_llm_lab
    from proctor.cli import app

    run_llm_lab(_config(tiny, "naive-exec"), tmp_path / "run", cache=tmp_path / "c")  # type: ignore[arg-type]
    result = CliRunner().invoke(
        app,
        [
            "monitor",
            "ingest",
            str(tmp_path / "store"),
            "--from",
            "trl",
            str(tmp_path / "run" / "trainer" / "completions"),
            "--task-key",
            "proctor_task_id",
        ],
    )
    assert result.exit_code == 0, result.output
    from proctor.runs import RunStore

    store = RunStore(tmp_path / "store")
    steps = sorted({r.step for r in store.rollouts()})
    assert steps == [1, 2]
