"""Which task a trainer's row answers: a chosen column, the task's prompt, or a prompt hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from proctor.io import RecordError
from proctor.records import Task


class TaskResolver:
    """Give each row from TRL or verl a ``task_id``.

    Trainers do not log a task id, so it comes from, in order:

    1. ``key``: a column (TRL: one logged with ``log_extra``; verl: a key that
       ``compute_score`` returned in its dict) whose value is the task id;
    2. ``tasks``: the task whose ``prompt`` the row's prompt equals, or else the
       longest task prompt it contains (chat templates wrap the task's prompt);
    3. neither given: ``prompt-<first 12 hex of sha256(prompt)>``, so rollouts of one
       prompt still share a task id (and a GRPO group) even without a task file.
    """

    def __init__(self, *, key: str | None = None, tasks: Iterable[Task] | None = None) -> None:
        self.key = key
        self._by_prompt: dict[str, str] = {}
        self._prompts: list[tuple[str, str]] = []
        for task in tasks or ():
            prompt = task.prompt.strip()
            if prompt:
                self._by_prompt.setdefault(prompt, task.id)
        # Longest first: a prompt that contains another task's prompt picks its own.
        self._prompts = sorted(self._by_prompt.items(), key=lambda kv: -len(kv[0]))
        self._has_tasks = tasks is not None
        self._cache: dict[str, str | None] = {}

    def resolve(self, row: Mapping[str, Any], prompt: str | None, path: Path, line: int) -> str:
        """The task id of ``row`` (read from ``path`` at ``line``), or a `RecordError`."""
        if self.key is not None:
            if self.key not in row or row[self.key] is None:
                raise RecordError(
                    f"no value in the task-id column {self.key!r}",
                    path=path,
                    line=line,
                    hint=f"columns here: {', '.join(sorted(row))}; pick one with --task-key",
                )
            value = row[self.key]
            return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        text = (prompt or "").strip()
        if not self._has_tasks:
            return "prompt-" + hashlib.sha256(text.encode()).hexdigest()[:12]
        task_id = self._match(text)
        if task_id is None:
            raise RecordError(
                f"the prompt matches no task's prompt: {text[:60]!r}",
                path=path,
                line=line,
                hint="check --tasks is the task file of this run, or name a task-id column "
                "with --task-key",
            )
        return task_id

    def _match(self, text: str) -> str | None:
        if text in self._cache:
            return self._cache[text]
        found = self._by_prompt.get(text)
        if found is None:
            found = next((tid for prompt, tid in self._prompts if prompt in text), None)
        if len(self._cache) > 100_000:  # many distinct prompts: keep memory bounded
            self._cache.clear()
        self._cache[text] = found
        return found


def jsonable(value: Any) -> Any:
    """``value`` with anything JSON cannot hold (bytes, numpy scalars...) turned into text."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN: no value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)  # numpy / pyarrow scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    return str(value)
