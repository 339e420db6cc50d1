"""The labelled corpus proctor ships: honest correct, honest wrong and hacked rollouts.

Every rollout's ``meta`` says what it is: ``kind`` (``honest_correct``,
``honest_wrong``, ``hack``), ``category`` (a taxonomy slug for hacks, the bug
class for honest wrong ones), ``split`` (``dev`` or ``heldout``, by task; see
`proctor.bench.corpus._split`), and how it was written (template, obfuscation style,
cover program). `load_corpus` reads it; ``python -m proctor.bench.corpus._build``
writes it (see that module for how).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proctor.bench.corpus._split import HELDOUT_FRACTION, SALT, Split, split_of
from proctor.records import Rollout, Task

DATA_DIR = Path(__file__).resolve().parent / "data"
TASKS = DATA_DIR / "tasks.jsonl.gz"
ROLLOUTS = DATA_DIR / "rollouts.jsonl.gz"
MANIFEST = DATA_DIR / "MANIFEST.json"
REALISTIC = DATA_DIR / "realistic.jsonl.gz"
"""The realistic corpus: the same labels in the shapes real policies write (`_realistic`)."""


def load_corpus(split: Split | None = None) -> tuple[dict[str, Task], list[Rollout]]:
    """The corpus tasks (by id) and rollouts, optionally of one split only."""
    from proctor.io import read_rollouts, read_tasks

    tasks = {t.id: t for t in read_tasks(TASKS)}
    rollouts = read_rollouts(ROLLOUTS)
    if split is not None:
        rollouts = [r for r in rollouts if r.meta.get("split") == split]
        tasks = {tid: t for tid, t in tasks.items() if split_of(tid) == split}
    return tasks, rollouts


def load_realistic(split: Split | None = None) -> tuple[dict[str, Task], list[Rollout]]:
    """The corpus tasks and the realistic rollouts (``meta.shape`` names the input
    shape), optionally of one split only (the shipped corpus's task split)."""
    from proctor.io import read_rollouts

    tasks, _ = load_corpus(split)
    rollouts = read_rollouts(REALISTIC)
    if split is not None:
        rollouts = [r for r in rollouts if r.meta.get("split") == split]
    return tasks, rollouts


def manifest() -> dict[str, Any]:
    """Counts, split rules and file digests written by the builder."""
    data: dict[str, Any] = json.loads(MANIFEST.read_text())
    return data


__all__ = [
    "DATA_DIR",
    "HELDOUT_FRACTION",
    "MANIFEST",
    "REALISTIC",
    "ROLLOUTS",
    "SALT",
    "TASKS",
    "Split",
    "load_corpus",
    "load_realistic",
    "manifest",
    "split_of",
]
