"""Loading a run directory: lab files, the store, a run still being written, no truth."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.monitor._run import load_run


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


def test_a_growing_lab_run_is_seen_up_to_its_latest_line(tmp_path: Path, make_run) -> None:
    rollouts, _, _ = make_run(None, steps=6, n=4)
    first = [r for r in rollouts if (r.step or 0) < 3]
    _write(tmp_path / "rollouts.jsonl", [r.model_dump(mode="json") for r in first])
    assert len(load_run(tmp_path).rollouts) == len(first)
    assert (tmp_path / "run.sqlite").is_file()
    rest = [r for r in rollouts if (r.step or 0) >= 3]
    _write(tmp_path / "rollouts.jsonl", [r.model_dump(mode="json") for r in rest])
    assert len(load_run(tmp_path).rollouts) == len(rollouts)


def test_truth_never_leaves_the_loader(tmp_path: Path, make_run) -> None:
    rollouts, _, _ = make_run(None, steps=2, n=2)
    _write(
        tmp_path / "rollouts.jsonl",
        [
            r.model_dump(mode="json") | {"meta": {"truth": {"kind": "hack"}, "candidate": "c"}}
            for r in rollouts
        ],
    )
    for ingest in (False, True, True):
        loaded = load_run(tmp_path, ingest=ingest).rollouts
        assert loaded and all("truth" not in r.meta and r.meta["candidate"] == "c" for r in loaded)
