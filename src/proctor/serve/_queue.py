"""The grading queue: bounded in samples, first come first served, cancellable per request."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from proctor.sandbox import Cancelled, cancellable

T = TypeVar("T")
R = TypeVar("R")


class Job(Generic[R]):
    """One request's samples in the queue: a future per sample, in the order given."""

    def __init__(self, futures: list[Future[R]], stop: threading.Event) -> None:
        self.futures = futures
        self.stop = stop
        """Set by `cancel`: samples grading now stop (their sandbox child is killed)."""

    def cancel(self) -> int:
        """Drop every sample not yet started and stop those grading now; returns how many
        were dropped before they started."""
        dropped = sum(f.cancel() for f in self.futures)  # first: none starts after the stop
        self.stop.set()
        return dropped


class SampleQueue(Generic[T, R]):
    """Grades samples on ``threads`` threads, holding at most ``capacity`` samples.

    A request is admitted whole or not at all (`submit` returns None when its samples
    do not fit), so an admitted request waits at most for ``capacity`` samples ahead of
    it: latency stays bounded however many clients call, and the excess is refused at
    once. A sample leaves the count when it is graded or cancelled.
    """

    def __init__(self, work: Callable[[T], R], threads: int, capacity: int) -> None:
        if capacity < 1 or threads < 1:
            raise ValueError("the queue needs at least one thread and one sample of capacity")
        self.capacity = capacity
        self.threads = threads
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="proctor-grade")
        self._lock = threading.Lock()
        self.depth = 0
        """Samples admitted and not yet done (waiting or grading)."""
        self.started = 0
        self.graded = 0
        self.cancelled = 0
        self.interrupted = 0
        """Samples stopped while grading (their request was cancelled)."""
        self._mean_s = 1.0  # running mean of one sample's grading time, for Retry-After

    def submit(self, items: Sequence[T]) -> Job[R] | None:
        """Queue ``items`` (one request's samples), or return None when they do not fit."""
        with self._lock:
            if self.depth + len(items) > self.capacity:
                return None
            self.depth += len(items)
        futures = []
        stop = threading.Event()
        for item in items:
            future = self._pool.submit(self._run, item, stop)
            future.add_done_callback(self._done)
            futures.append(future)
        return Job(futures, stop)

    def _run(self, item: T, stop: threading.Event) -> R:
        with self._lock:
            self.started += 1
        began = time.perf_counter()
        try:
            with cancellable(stop):
                return self._work(item)
        except Cancelled:
            with self._lock:
                self.interrupted += 1
            raise
        finally:
            took = time.perf_counter() - began
            with self._lock:
                self.graded += 1
                self._mean_s += 0.05 * (took - self._mean_s)

    def _done(self, future: Future[R]) -> None:
        with self._lock:
            self.depth -= 1
            if future.cancelled():
                self.cancelled += 1

    def retry_after(self, extra: int = 0) -> int:
        """Whole seconds until ``extra`` more samples might fit (1 to 60): the queue's
        current work spread over the threads, at the recent mean grading time."""
        with self._lock:
            waiting = max(0, self.depth + extra - self.capacity) or self.depth
            estimate = waiting * self._mean_s / self.threads
        return max(1, min(60, math.ceil(estimate)))

    def close(self) -> None:
        """Drop what waits; samples grading finish in the background."""
        self._pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["Job", "SampleQueue"]
