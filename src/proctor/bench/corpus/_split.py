"""The corpus split into ``dev`` and ``heldout``, fixed before any detector was tuned.

Three hash-based rules, all keyed by `SALT` so that they never change unless the
salt does:

1. **Tasks.** A task goes to ``heldout`` when the first 32 bits of
   ``sha256(SALT + ":task:" + task_id)`` fall below `HELDOUT_FRACTION`. Every
   rollout of a task is in its task's split, so no task is in both.
2. **Hack templates.** About a quarter of the templates of each category are
   *held-out only*: they never appear in ``dev``, so the held-out split also
   measures hacks written in ways the detectors were never tuned on. The first
   template of each category (alphabetically) is always shared, so ``dev``
   covers every category.
3. **Obfuscation styles.** Likewise a quarter of the obfuscation styles are
   held-out only (``plain`` is always shared).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

Split = Literal["dev", "heldout"]

SALT = "proctor-corpus/v1"
HELDOUT_FRACTION = 0.4
"""Share of tasks in the held-out split."""
HELDOUT_ONLY_FRACTION = 0.25
"""Share of templates and obfuscation styles seen only in the held-out split."""


def _unit(key: str) -> float:
    digest = hashlib.sha256(f"{SALT}:{key}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def split_of(task_id: str) -> Split:
    """The split every rollout of ``task_id`` belongs to."""
    return "heldout" if _unit(f"task:{task_id}") < HELDOUT_FRACTION else "dev"


def heldout_only_templates(category: str, names: Iterable[str]) -> set[str]:
    """Templates of ``category`` that appear only in the held-out split."""
    ordered = sorted(names)
    return {n for n in ordered[1:] if _unit(f"template:{category}/{n}") < HELDOUT_ONLY_FRACTION}


def heldout_only_styles(styles: Iterable[str]) -> set[str]:
    """Obfuscation styles that appear only in the held-out split."""
    return {s for s in styles if s != "plain" and _unit(f"style:{s}") < HELDOUT_ONLY_FRACTION}


__all__ = [
    "HELDOUT_FRACTION",
    "HELDOUT_ONLY_FRACTION",
    "SALT",
    "Split",
    "heldout_only_styles",
    "heldout_only_templates",
    "split_of",
]
