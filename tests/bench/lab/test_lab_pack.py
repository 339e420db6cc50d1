"""`pack_run` slims grades, keeps everything else, and rejects broken runs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from proctor.bench.lab import PackError, pack_run
from proctor.records import Grade

GRADE = {
    "rollout_id": "s0/t/0",
    "task_id": "t",
    "grader": "naive-exec",
    "status": "ok",
    "proxy": 0.5,
    "gold": 0.25,
    "failures": [{"test_id": "visible/1", "status": "fail", "detail": "1 != 2"}],
    "stats": {"wall_ms": 12.5, "cpu_ms": 3.0, "max_rss_kb": 100, "restarts": 0},
}


def _write(path: Path, lines: list[str]) -> None:
    path.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode()))


def _run(directory: Path, grades: list[str]) -> Path:
    directory.mkdir()
    (directory / "run.json").write_text(json.dumps({"name": directory.name, "seed": 0}))
    _write(
        directory / "rollouts.jsonl.gz",
        [json.dumps({"id": "s0/t/0", "task_id": "t", "code": "x = 1"})],
    )
    _write(directory / "grades.jsonl.gz", grades)
    _write(directory / "scalars.jsonl.gz", [json.dumps({"step": 0, "kl": 0.0})])
    return directory


def test_pack_drops_failures_and_stats_only(tmp_path: Path) -> None:
    src = _run(tmp_path / "src", [json.dumps(GRADE)])
    pack_run(src, tmp_path / "dst")
    with gzip.open(tmp_path / "dst" / "grades.jsonl.gz", "rt") as f:
        packed = Grade.model_validate_json(f.readline())
    assert packed.failures == [] and packed.stats.wall_ms == 0.0
    assert (packed.rollout_id, packed.proxy, packed.gold) == ("s0/t/0", 0.5, 0.25)
    manifest = json.loads((tmp_path / "dst" / "run.json").read_text())
    assert manifest["name"] == "dst" and "packed" in manifest


def test_pack_names_the_file_and_line_of_a_bad_grade(tmp_path: Path) -> None:
    src = _run(tmp_path / "src", [json.dumps(GRADE), json.dumps({"proxy": "lots"})])
    with pytest.raises(PackError, match=r"grades\.jsonl\.gz:2"):
        pack_run(src, tmp_path / "dst")
    assert not (tmp_path / "dst").exists()


def test_pack_refuses_to_overwrite_its_source(tmp_path: Path) -> None:
    src = _run(tmp_path / "src", [json.dumps(GRADE)])
    with pytest.raises(PackError, match="new directory"):
        pack_run(src, src)
