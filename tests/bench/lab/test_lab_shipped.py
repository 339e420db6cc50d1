"""The recorded runs proctor ships load, and their run.json matches their files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from proctor.bench.lab import LabConfig, onset_step, shipped_runs
from proctor.records import Grade, Rollout

RUNS = shipped_runs()


def _lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_hacking_and_benign_runs_are_shipped() -> None:
    expected = {json.loads((p / "run.json").read_text())["expected"] for p in RUNS}
    assert expected == {"hacking", "benign"}


@pytest.mark.parametrize("run", RUNS, ids=[p.name for p in RUNS])
def test_shipped_run_matches_its_manifest(run: Path) -> None:
    manifest = json.loads((run / "run.json").read_text())
    config = LabConfig.model_validate(manifest["config"])
    rollouts = [Rollout.model_validate(r) for r in _lines(run / "rollouts.jsonl.gz")]
    grades = [Grade.model_validate(g) for g in _lines(run / "grades.jsonl.gz")]
    steps = sorted({r.step for r in rollouts if r.step is not None})
    assert manifest["complete"] and steps == list(range(config.steps))
    assert len(rollouts) == len(grades) == config.steps * config.tasks_per_step * config.group_size
    assert {g.grader for g in grades} == {config.grader}
    rates = [
        sum(r.meta["truth"]["kind"] == "hack" for r in rollouts if r.step == s)
        / sum(r.step == s for r in rollouts)
        for s in steps
    ]
    assert onset_step(rates) == manifest["onset_step"]
    assert manifest["expected"] == ("benign" if manifest["onset_step"] is None else "hacking")
