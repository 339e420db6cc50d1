"""Pool one-sample reward calls back into GRPO groups, so group detectors see the group.

OpenRLHF (0.11) scores each sample on its own, as soon as vLLM finishes it: one
``reward_func([query], [prompt], [label])`` per sample, from many threads at once
(``asyncio.to_thread``). The group-contrastive detector needs the other answers to
the same prompt. `GroupPool` holds each call for a short window: samples with the
same key (label and prompt) are scored together once ``group_size`` of them have
arrived, or when the first one's window runs out (a partial group).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

S = TypeVar("S")
R = TypeVar("R")


@dataclass
class _Group(Generic[S, R]):
    opened: float
    samples: list[S] = field(default_factory=list)
    results: list[R] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    taken: bool = False


class GroupPool(Generic[S, R]):
    """Collect samples by key; score each group in one call of ``score``.

    ``score(samples, group_id)`` returns one result per sample. A caller blocks at
    most ``window`` seconds (plus the scoring) waiting for its group to fill. Each
    waiting caller holds a thread of the trainer's pool, so ``group_size`` must not
    exceed the threads the trainer calls from (OpenRLHF: ``asyncio.to_thread``'s
    default executor, ``min(32, cpu_count + 4)`` threads); groups that cannot fill
    are scored partial when the window ends.
    """

    def __init__(
        self,
        score: Callable[[list[S], str], Sequence[R]],
        *,
        group_size: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if group_size < 1:
            raise ValueError(f"group_size must be at least 1, got {group_size}")
        if window < 0:
            raise ValueError(f"window must be ≥ 0 seconds, got {window}")
        self._score, self.group_size, self.window = score, group_size, window
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[Hashable, _Group[S, R]] = {}
        self._serial = itertools.count()
        self.sizes: list[int] = []
        """The size of every group scored so far (for tests and logs)."""

    def submit(self, key: Hashable, sample: S) -> R:
        """Add ``sample`` to the open group of ``key``; return its result once scored."""
        with self._lock:
            group = self._open.get(key)
            if group is None:
                group = self._open[key] = _Group(opened=self._clock())
            index = len(group.samples)
            group.samples.append(sample)
            full = len(group.samples) >= self.group_size
            if full:
                self._take(key, group)
        if full:
            self._run(key, group)
        else:
            remaining = group.opened + self.window - self._clock()
            if not group.done.wait(max(0.0, remaining)):
                with self._lock:
                    lead = not group.taken
                    if lead:
                        self._take(key, group)
                if lead:
                    self._run(key, group)
            group.done.wait()
        if group.error is not None:
            raise group.error
        assert group.results is not None
        return group.results[index]

    def _take(self, key: Hashable, group: _Group[S, R]) -> None:
        group.taken = True
        if self._open.get(key) is group:
            del self._open[key]

    def _run(self, key: Hashable, group: _Group[S, R]) -> None:
        digest = hashlib.blake2b(repr(key).encode(errors="replace"), digest_size=6).hexdigest()
        group_id = f"{digest}/{next(self._serial)}"
        try:
            results = list(self._score(list(group.samples), group_id))
            if len(results) != len(group.samples):
                raise RuntimeError(
                    f"scored {len(results)} results for {len(group.samples)} samples"
                )
            group.results = results
        except BaseException as exc:  # every waiter of the group gets the same error
            group.error = exc
        finally:
            self.sizes.append(len(group.samples))
            group.done.set()


__all__ = ["GroupPool"]
