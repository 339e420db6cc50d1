"""Stopping sandboxed work that nobody waits for any more (a reward client that hung up).

A caller marks a block of work cancellable with an event; every sandbox request made
inside it, in this thread or in threads started with a copy of its context, watches
the event while it waits for the zygote. When the event is set the zygote is killed
with everything under it (the only way to stop code that ignores signals it can
catch), `Cancelled` is raised, and the pool starts a fresh zygote on the worker's
next request. A `BaseException`, like ``asyncio.CancelledError``: the graders' broad
``except Exception`` (a test that raises is that test's error) must not turn a
cancellation into a test result.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CANCEL: ContextVar[threading.Event | None] = ContextVar("proctor_sandbox_cancel", default=None)


class Cancelled(BaseException):
    """The work was cancelled by its caller; its sandbox child was killed."""


@contextmanager
def cancellable(event: threading.Event) -> Iterator[None]:
    """Sandbox requests inside this block stop (raising `Cancelled`) once ``event`` is set."""
    token = _CANCEL.set(event)
    try:
        yield
    finally:
        _CANCEL.reset(token)


class LinkedEvent(threading.Event):
    """An event that also reads as set when ``parent`` is: an inner reason to stop work
    (one shard ended the rollout) that keeps the caller's own cancel in force."""

    def __init__(self, parent: threading.Event | None) -> None:
        super().__init__()
        self.parent = parent

    def is_set(self) -> bool:
        return super().is_set() or (self.parent is not None and self.parent.is_set())


def cancel_event() -> threading.Event | None:
    """The event of the innermost `cancellable` block around this code, if any."""
    return _CANCEL.get()


__all__ = ["Cancelled", "LinkedEvent", "cancel_event", "cancellable"]
