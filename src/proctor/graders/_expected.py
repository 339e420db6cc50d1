"""Expected outputs of io suites: run the task's reference solution once, in the sandbox.

The reference is task data, but it is still code: it runs sandboxed like any
other program. Results are cached in memory and, optionally, on disk (keyed by
a hash of the reference and the inputs, so an edited task never reuses stale
values). Each value is kept in its codec text and decoded only when a judge needs
it (a matching answer is recognised from the text alone), and a cache entry is
written only when it was computed or its format changed, never on a hit.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from proctor.records import Task, TestSuite
from proctor.sandbox import Limits, SandboxPool
from proctor.sandbox.runtime import codec

_REFERENCE_LIMITS = Limits(wall=600.0, test=30.0, memory_mb=4096, restarts=50, output_mb=4096)


_FORMAT = 2
"""On-disk entry format: 2 keeps each value as codec text (1 held decoded values)."""


@dataclass(frozen=True)
class Expected:
    """Expected values for one suite: value ``i`` is meaningful where ``valid[i]``.

    ``encoded[i]`` is the codec text of value ``i``; `value` decodes it on demand,
    so a grading process does not hold every decoded output of every task.
    """

    encoded: list[str]
    valid: list[bool]
    durations: list[float]
    problems: list[str]
    output_bytes: int = 0

    @classmethod
    def of_values(
        cls,
        values: list[Any],
        valid: list[bool],
        durations: list[float],
        problems: list[str],
        output_bytes: int = 0,
    ) -> Expected:
        """Build from decoded values (encodes each once)."""
        return cls([codec.dumps(v) for v in values], valid, durations, problems, output_bytes)

    def value(self, i: int) -> Any:
        """Decoded value ``i`` (decoded on each call; callers keep what they need)."""
        return codec.loads(self.encoded[i])

    @cached_property
    def values(self) -> list[Any]:
        """Every value, decoded once and kept (for callers that need them all; the hardened
        grader never asks, so it holds no decoded outputs)."""
        return [codec.loads(text) for text in self.encoded]

    @property
    def slowest(self) -> float:
        return max(self.durations, default=0.0)

    @property
    def total(self) -> float:
        """Seconds the reference took on the whole suite (the sum of per-test times)."""
        return sum(self.durations)


class ExpectedOutputs:
    """Computes and caches expected outputs for io suites."""

    def __init__(self, pool: SandboxPool, cache_dir: Path | None = None) -> None:
        self._pool = pool
        self._cache_dir = cache_dir
        self._memory: dict[str, Expected] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.writes = 0
        """Cache entries written by this instance (a hit writes none)."""
        self.computed = 0
        """Suites whose reference this instance ran (neither memory, disk nor shared)."""

    def encoded_inputs(self, suite: TestSuite) -> str:
        """The suite's inputs in codec form (what the sandbox receives)."""
        return codec.dumps([list(a) for a in suite.inputs])

    def get(self, task: Task, suite: TestSuite, encoded: str | None = None) -> Expected:
        """Expected outputs for ``suite`` of ``task`` (stored outputs win)."""
        n = len(suite.inputs)
        if suite.outputs is not None:
            return Expected.of_values(list(suite.outputs), [True] * n, [0.0] * n, [])
        if task.reference is None:  # the Task validator prevents this
            raise ValueError(f"task {task.id} has no reference to compute outputs from")
        encoded = encoded if encoded is not None else self.encoded_inputs(suite)
        key = self._key(task, encoded)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key, even with many grading threads
            if key in self._memory:
                return self._memory[key]
            loaded = self._load(key, n)
            expected = loaded[0] if loaded else self._compute(task, encoded, n)
            if loaded is None or loaded[1]:  # computed, or read in an older format
                self._store(key, expected)
            self._memory[key] = expected
            return expected

    def remember(self, task: Task, suite: TestSuite, expected: Expected) -> None:
        """Take ``expected`` as ``suite``'s outputs, computed elsewhere (another node of a
        cluster computed them once and shared them); nothing is written to disk."""
        if len(expected.encoded) != len(suite.inputs):
            raise ValueError(
                f"{len(expected.encoded)} expected outputs for "
                f"{len(suite.inputs)} inputs of {task.id}"
            )
        key = self._key(task, self.encoded_inputs(suite))
        with self._lock:
            self._memory.setdefault(key, expected)

    @staticmethod
    def _key(task: Task, encoded: str) -> str:
        return hashlib.sha256(
            json.dumps([task.reference, task.entry_point, encoded]).encode()
        ).hexdigest()

    def _compute(self, task: Task, encoded: str, n: int) -> Expected:
        assert task.reference is not None
        self.computed += 1
        batch = self._pool.run_batch(
            task.reference, task.entry_point, encoded, n=n, limits=_REFERENCE_LIMITS, timing=True
        )
        if batch.load_error:
            raise ValueError(
                f"the reference solution of {task.id} does not load: {batch.load_error}"
            )
        problems = [
            f"test {i}: reference {r.status}: {r.detail}"
            for i, r in enumerate(batch.results)
            if r.status != "ok"
        ]
        return Expected.of_values(
            values=[r.value for r in batch.results],
            valid=[r.status == "ok" for r in batch.results],
            durations=[r.duration or 0.0 for r in batch.results],
            problems=problems,
            output_bytes=batch.body_bytes,
        )

    def _path(self, key: str) -> Path | None:
        return self._cache_dir / f"{key}.json" if self._cache_dir else None

    def _load(self, key: str, n: int) -> tuple[Expected, bool] | None:
        """The cached entry and whether it must be rewritten (older format), or None."""
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            raw = path.read_bytes()
            # format 2 is plain JSON: the values stay strings (no decoding up front)
            data = json.loads(raw)
            current = type(data) is dict and data.get("format") == _FORMAT
            if not current:
                data = codec.loads(raw)
                encoded = [codec.dumps(v) for v in data["values"]]
            else:
                encoded = data["encoded"]
                if not all(type(text) is str for text in encoded):
                    return None
            # text from the other encoder (orjson or json) would never be byte-identical
            # to a result line (every right answer judged the slow way): re-encode it
            stale = not current or data.get("encoder") != codec.ENCODER
            if current and stale:
                encoded = [codec.dumps(codec.loads(text)) for text in encoded]
            expected = Expected(
                encoded,
                [bool(v) for v in data["valid"]],
                [float(d) for d in data["durations"]],
                [str(p) for p in data["problems"]],
                int(data["output_bytes"]),
            )
        except (codec.DecodeError, ValueError, KeyError, TypeError, OSError):
            return None  # a damaged cache entry is recomputed, never trusted
        sizes = {len(expected.encoded), len(expected.valid), len(expected.durations)}
        return (expected, stale) if sizes == {n} else None

    def _store(self, key: str, expected: Expected) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        payload = {
            "format": _FORMAT,
            "encoder": codec.ENCODER,
            "encoded": expected.encoded,
            "valid": expected.valid,
            "durations": expected.durations,
            "problems": expected.problems,
            "output_bytes": expected.output_bytes,
        }
        tmp.write_text(json.dumps(payload))
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written entry
        self.writes += 1
