"""``watch``: appended lines are picked up, a restart resumes without duplicates."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.runs import Ingestor, RunStore, watch


def _line(i: int, step: int = 0) -> str:
    return json.dumps({"id": f"r{i}", "task_id": "t", "code": f"x = {i}", "step": step}) + "\n"


def test_watch_picks_up_appended_lines_and_new_files(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    first = logs / "a.jsonl"
    first.write_text(_line(0) + _line(1))
    with RunStore(tmp_path / "run") as store:
        ingestor = Ingestor(store, "proctor")
        watch(ingestor, [logs], once=True)
        assert store.counts()["rollouts"] == 2
        with first.open("a") as f:
            f.write(_line(2) + _line(3)[:10])  # line 4 is still being written
        (logs / "b.jsonl").write_text(_line(10, step=1))
        watch(ingestor, [logs], once=True)
        assert sorted(r.id for r in store.rollouts()) == ["r0", "r1", "r10", "r2"]
        with first.open("a") as f:
            f.write(_line(3)[10:])
        watch(ingestor, [logs], once=True)
        assert store.counts()["rollouts"] == 5
        assert ingestor.report.warnings == []  # an unfinished line is not a torn one


def test_restarted_watch_resumes_from_the_stored_offset(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(_line(0) + _line(1))
    with RunStore(tmp_path / "run") as store:
        watch(Ingestor(store, "proctor"), [path], once=True)
    with path.open("a") as f:
        f.write(_line(2))
    with RunStore(tmp_path / "run") as store:  # a new process, a new ingestor
        report = watch(Ingestor(store, "proctor"), [path], once=True)
        assert report.read == 1  # only the new line was read
        assert [r.id for r in store.rollouts()] == ["r0", "r1", "r2"]


def test_watch_waits_for_paths_that_do_not_exist_yet_and_stops_on_timeout(tmp_path: Path) -> None:
    polls: list[int] = []
    with RunStore(tmp_path / "run") as store:
        report = watch(
            Ingestor(store, "verl"),
            [tmp_path / "not-yet"],
            interval=0.05,
            timeout=0.2,
            on_poll=lambda r: polls.append(r.read),
        )
    assert report.read == 0 and len(polls) >= 2


def test_a_file_rewritten_shorter_is_read_again_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(_line(0) + _line(1) + _line(2))
    with RunStore(tmp_path / "run") as store:
        ingestor = Ingestor(store, "proctor")
        watch(ingestor, [path], once=True)
        path.write_text(_line(5))
        watch(ingestor, [path], once=True)
        assert [r.id for r in store.rollouts()] == ["r0", "r1", "r2", "r5"]
        assert any("shrank" in w for w in ingestor.report.warnings)
