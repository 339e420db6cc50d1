"""Append every scored rollout, its grade and its verdict where the run monitor reads them.

The destination is the run store (`proctor.runs.RunStore`). Given a directory, the
recorder opens the store there from one writer thread of its own: sqlite
connections belong to the thread that opened them, a reward server scores on many
threads, and recording stays off the trainer's critical path. When `proctor.runs`
is not installed the same records go to JSON-lines files in that directory
(``rollouts.jsonl``, ``grades.jsonl``, ``verdicts.jsonl``: proctor's own formats).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from proctor.records import Grade, Rollout, Verdict

log = logging.getLogger(__name__)


class RunSink(Protocol):
    """What a recorder writes into: the part of `proctor.runs.RunStore` rewards use."""

    def add_rollouts(self, rollouts: Any) -> int: ...
    def add_grades(self, grades: Any) -> int: ...
    def add_verdicts(self, verdicts: Any) -> int: ...


class JsonlSink:
    """Proctor-format JSON lines in a directory, appended (the fallback for `RunStore`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _append(self, name: str, records: Any) -> int:
        lines = [r.model_dump_json(exclude_none=True) + "\n" for r in records]
        if lines:
            with (self.directory / name).open("a", encoding="utf-8") as sink:
                sink.writelines(lines)
        return len(lines)

    def add_rollouts(self, rollouts: Any) -> int:
        return self._append("rollouts.jsonl", rollouts)

    def add_grades(self, grades: Any) -> int:
        return self._append("grades.jsonl", grades)

    def add_verdicts(self, verdicts: Any) -> int:
        return self._append("verdicts.jsonl", verdicts)


_Batch = tuple[Sequence[Rollout], Sequence[Grade], Sequence[Verdict]]


class Recorder:
    """Appends batches to a run sink. A directory gets its own writer thread and sink;
    a sink object passed in is written from the caller's thread and left open."""

    def __init__(self, target: RunSink | str | Path) -> None:
        self._queue: queue.Queue[_Batch | None] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        if isinstance(target, str | Path):
            self._queue = queue.Queue()
            ready: queue.Queue[BaseException | None] = queue.Queue()
            self._thread = threading.Thread(
                target=self._run, args=(Path(target), ready), name="proctor-recorder", daemon=True
            )
            self._thread.start()
            error = ready.get()
            if error is not None:
                raise error
            self.sink: RunSink | None = None
        else:
            self.sink = target

    def record(
        self, rollouts: Sequence[Rollout], grades: Sequence[Grade], verdicts: Sequence[Verdict]
    ) -> None:
        """Append one batch; a failing sink is logged, never allowed to stop training."""
        if self._queue is not None:
            self._queue.put((rollouts, grades, verdicts))
            return
        with self._lock:
            assert self.sink is not None
            _write(self.sink, (rollouts, grades, verdicts))

    def flush(self) -> None:
        """Wait until every batch recorded so far is written."""
        if self._queue is not None:
            self._queue.join()

    def close(self) -> None:
        """Write what is queued, then close the sink this recorder opened. Safe twice."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue, self._thread = None, None

    def _run(self, directory: Path, ready: queue.Queue[BaseException | None]) -> None:
        assert self._queue is not None
        try:
            sink = _open(directory)
        except BaseException as exc:
            ready.put(exc)
            return
        ready.put(None)
        try:
            while (batch := self._queue.get()) is not None:
                _write(sink, batch)
                self._queue.task_done()
            self._queue.task_done()
        finally:
            close = getattr(sink, "close", None)
            if callable(close):
                close()


def _write(sink: RunSink, batch: _Batch) -> None:
    rollouts, grades, verdicts = batch
    try:
        sink.add_rollouts(rollouts)
        if grades:
            sink.add_grades(grades)
        if verdicts:
            sink.add_verdicts(verdicts)
    except Exception as exc:  # the monitor is best-effort; the reward is not
        log.warning("could not record %d rollouts for the monitor: %s", len(rollouts), exc)


def _open(directory: Path) -> RunSink:
    try:
        from proctor.runs import RunStore
    except ImportError:
        log.info("proctor.runs is not available: recording JSON lines in %s", directory)
        return JsonlSink(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return RunStore(directory)


__all__ = ["JsonlSink", "Recorder", "RunSink"]
