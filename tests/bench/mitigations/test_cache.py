"""The per-candidate cache: content keys, appended lines, torn lines skipped."""

from __future__ import annotations

from pathlib import Path

from proctor.bench.corpus import load_corpus
from proctor.bench.mitigations._cache import CandidateCache, candidate_key
from proctor.records import Rollout

TASK = load_corpus(split="heldout")[0]["demo/balanced_brackets"]


def test_key_changes_with_the_code_and_the_tag() -> None:
    a = Rollout(id="a", task_id=TASK.id, code="def f(x):\n    return x\n")
    b = Rollout(id="a", task_id=TASK.id, code="def f(x):\n    return -x\n")
    assert candidate_key("hardened", TASK, a) == candidate_key("hardened", TASK, a)
    assert candidate_key("hardened", TASK, a) != candidate_key("hardened", TASK, b)
    assert candidate_key("hardened", TASK, a) != candidate_key("naive-pytest", TASK, a)


def test_values_survive_a_reopen_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c" / "grades.jsonl"
    store = CandidateCache(path)
    store.put("k1", {"proxy": 1.0})
    store.put("k2", 0.25)
    with path.open("a") as f:
        f.write('{"key": "k3", "val')  # a run killed mid-write
    again = CandidateCache(path)
    assert again.get("k1") == {"proxy": 1.0} and again.get("k2") == 0.25
    assert "k3" not in again


def test_without_a_path_nothing_is_written(tmp_path: Path) -> None:
    store = CandidateCache(None)
    store.put("k", 1)
    assert "k" in store and list(tmp_path.iterdir()) == []
