"""Which task a progress bar is waiting on: the slowest grade still in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from rich.progress import ProgressColumn, Task
from rich.text import Text

from proctor.graders import Grader
from proctor.records import Grade, Rollout
from proctor.records import Task as CodeTask


class InFlight:
    """Start times of the grades running now, by thread (a grader worker grades one at a time).

    ``track(grader)`` wraps the grader's ``grade`` so each call registers its task
    while it runs; `slowest` names the one running longest. ``clock`` is injectable
    for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[int, tuple[str, float]] = {}

    def track(self, grader: Grader) -> None:
        """Make ``grader.grade`` report to this tracker (on this instance only)."""
        inner = grader.grade

        def grade(task: CodeTask, rollout: Rollout) -> Grade:
            key = threading.get_ident()
            with self._lock:
                self._running[key] = (task.id, self._clock())
            try:
                return inner(task, rollout)
            finally:
                with self._lock:
                    self._running.pop(key, None)

        grader.grade = grade  # type: ignore[method-assign]

    def slowest(self) -> tuple[str, float] | None:
        """``(task_id, seconds running)`` of the longest-running grade, or ``None``."""
        with self._lock:
            if not self._running:
                return None
            task_id, started = min(self._running.values(), key=lambda item: item[1])
        return task_id, self._clock() - started


class SlowestColumn(ProgressColumn):
    """A progress column: ``slowest: HumanEval/12 41s`` once a grade has run a while."""

    def __init__(self, tracker: InFlight, after: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tracker, self.after = tracker, after

    def render(self, task: Task) -> Text:
        slowest = self.tracker.slowest()
        if slowest is None or slowest[1] < self.after:
            return Text("")
        task_id, seconds = slowest
        return Text(f"slowest: {task_id[:40]} {seconds:.0f}s", style="yellow")


__all__ = ["InFlight", "SlowestColumn"]
