"""Expected outputs of io suites: run the task's reference solution once, in the sandbox.

The reference is task data, but it is still code: it runs sandboxed like any
other program. Results are cached in memory and, optionally, on disk (keyed by
a hash of the reference and the inputs, so an edited task never reuses stale
values).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.records import Task, TestSuite
from proctor.sandbox import Limits, SandboxPool
from proctor.sandbox.runtime import codec

_REFERENCE_LIMITS = Limits(wall=600.0, test=30.0, memory_mb=4096, restarts=50, output_mb=4096)


@dataclass(frozen=True)
class Expected:
    """Expected values for one suite: ``values[i]`` is meaningful where ``valid[i]``."""

    values: list[Any]
    valid: list[bool]
    durations: list[float]
    problems: list[str]
    output_bytes: int = 0

    @property
    def slowest(self) -> float:
        return max(self.durations, default=0.0)


class ExpectedOutputs:
    """Computes and caches expected outputs for io suites."""

    def __init__(self, pool: SandboxPool, cache_dir: Path | None = None) -> None:
        self._pool = pool
        self._cache_dir = cache_dir
        self._memory: dict[str, Expected] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def encoded_inputs(self, suite: TestSuite) -> str:
        """The suite's inputs in codec form (what the sandbox receives)."""
        return codec.dumps([list(a) for a in suite.inputs])

    def get(self, task: Task, suite: TestSuite, encoded: str | None = None) -> Expected:
        """Expected outputs for ``suite`` of ``task`` (stored outputs win)."""
        n = len(suite.inputs)
        if suite.outputs is not None:
            return Expected(list(suite.outputs), [True] * n, [0.0] * n, [])
        if task.reference is None:  # the Task validator prevents this
            raise ValueError(f"task {task.id} has no reference to compute outputs from")
        encoded = encoded if encoded is not None else self.encoded_inputs(suite)
        key = hashlib.sha256(
            json.dumps([task.reference, task.entry_point, encoded]).encode()
        ).hexdigest()
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key, even with many grading threads
            if key in self._memory:
                return self._memory[key]
            expected = self._load(key, n) or self._compute(task, encoded, n)
            self._memory[key] = expected
            self._store(key, expected)
            return expected

    def _compute(self, task: Task, encoded: str, n: int) -> Expected:
        assert task.reference is not None
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
        return Expected(
            values=[r.value for r in batch.results],
            valid=[r.status == "ok" for r in batch.results],
            durations=[r.duration or 0.0 for r in batch.results],
            problems=problems,
            output_bytes=batch.body_bytes,
        )

    def _path(self, key: str) -> Path | None:
        return self._cache_dir / f"{key}.json" if self._cache_dir else None

    def _load(self, key: str, n: int) -> Expected | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            data = codec.loads(path.read_bytes())
            expected = Expected(
                data["values"],
                data["valid"],
                data["durations"],
                data["problems"],
                data["output_bytes"],
            )
        except (codec.DecodeError, KeyError, TypeError, OSError):
            return None  # a damaged cache entry is recomputed, never trusted
        return expected if len(expected.values) == n else None

    def _store(self, key: str, expected: Expected) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        payload = {
            "values": expected.values,
            "valid": expected.valid,
            "durations": expected.durations,
            "problems": expected.problems,
            "output_bytes": expected.output_bytes,
        }
        tmp.write_text(codec.dumps(payload))
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written entry
