"""A per-candidate result cache for the code domain: one JSONL file per grader or detector.

Each line is ``{"key": ..., "value": ...}`` where the key hashes the task and the
rollout (and a tag naming what produced the value). Keys are per candidate, not per
pool, so adding candidates (a new category, a new task) only computes the new ones,
and lines are appended as results arrive, so an interrupted cold run keeps its work.
A line that does not parse (a run killed mid-write) is skipped and recomputed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from proctor.records import Rollout, Task


def candidate_key(tag: str, task: Task, rollout: Rollout) -> str:
    """Content hash of what a grader or detector sees for one candidate."""
    h = hashlib.sha256(tag.encode())
    h.update(b"\0" + task.model_dump_json().encode())
    h.update(b"\0" + rollout.model_dump_json().encode())
    return h.hexdigest()[:32]


class CandidateCache:
    """Values by `candidate_key`, read from and appended to ``path`` (in memory when None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    self.values[str(entry["key"])] = entry["value"]
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from an interrupted run: recompute it

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str) -> Any:
        """The cached value (KeyError when absent)."""
        return self.values[key]

    def put(self, key: str, value: Any) -> None:
        """Remember ``value`` and append it to the file at once."""
        self.values[key] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as f:
                f.write(json.dumps({"key": key, "value": value}) + "\n")


__all__ = ["CandidateCache", "candidate_key"]
