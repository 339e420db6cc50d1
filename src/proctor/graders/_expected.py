"""Expected outputs of io suites: run the task's reference solution once, in the sandbox.

The reference is task data, but it is still code: it runs sandboxed like any
other program. Results are cached in memory and, optionally, on disk (keyed by
a hash of the reference and the inputs, so an edited task never reuses stale
values). An entry is a small head (which tests are valid, the reference's time on
each, the digest of each value's codec text) and a values file beside it: a plan is
built from the head alone, a right answer is recognised by its digest, and the texts
are read, and a value decoded, only when an answer differs and must be judged. An
entry is written only when it was computed or its format changed, never on a hit.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from proctor.records import Task, TestSuite
from proctor.sandbox import DIGEST_BYTES, Limits, SandboxPool, value_digest
from proctor.sandbox.runtime import codec

_REFERENCE_LIMITS = Limits(wall=600.0, test=30.0, memory_mb=4096, restarts=50, output_mb=4096)


_FORMAT = 3
"""On-disk entry format: 3 keeps a small head (validity, timing, digests) apart from the
values, so building a plan reads no value; 2 kept codec text in one file, 1 decoded values."""

_SPECIAL = '"$float"'
"""In a value's codec text: a non-finite float, the one value not equal to itself."""


class Expected:
    """Expected values for one suite: value ``i`` is meaningful where ``valid[i]``.

    ``encoded[i]`` is the codec text of value ``i`` and ``digests[i]`` its `value_digest`:
    a right answer is recognised by the digest alone, so the texts of a suite read from
    the disk cache are loaded only when an answer differs and must be judged, and
    `value` decodes one on demand: a grading process holds no decoded outputs.
    """

    def __init__(
        self,
        encoded: list[str] | None,
        valid: list[bool],
        durations: list[float],
        problems: list[str],
        output_bytes: int = 0,
        *,
        digests: list[bytes] | None = None,
        special: frozenset[int] | None = None,
        load: Callable[[], list[str]] | None = None,
    ) -> None:
        """Give ``encoded``, or ``load`` (reads the texts when first needed) with the
        ``digests`` and ``special`` indexes (texts holding a non-finite float) they have."""
        if encoded is None and (load is None or digests is None or special is None):
            raise ValueError("lazy expected values need their loader, digests and specials")
        self._encoded = encoded
        self._load = load
        self._lock = threading.Lock()
        self.valid = valid
        self.durations = durations
        self.problems = problems
        self.output_bytes = output_bytes
        self.digests = (
            digests if digests is not None else [value_digest(t.encode()) for t in encoded or []]
        )
        self.special = (
            special
            if special is not None
            else frozenset(i for i, t in enumerate(encoded or []) if _SPECIAL in t)
        )

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

    @property
    def encoded(self) -> list[str]:
        """Every value's codec text (read from the cache on first use)."""
        if self._encoded is None:
            with self._lock:
                if self._encoded is None:
                    assert self._load is not None
                    self._encoded = self._load()
                    self._load = None
        return self._encoded

    @property
    def loaded(self) -> bool:
        """Whether the texts are in memory (a plan built from the cache reads none)."""
        return self._encoded is not None

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

    def __getstate__(self) -> dict[str, Any]:
        # sent whole to another process (a Ray node): the texts travel, not the loader
        state = {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_load")}
        state["_encoded"] = self.encoded
        state.pop("values", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._load = None
        self._lock = threading.Lock()


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
            loaded = self._load(key, n, task, encoded)
            expected = loaded[0] if loaded else self._compute(task, encoded, n)
            if loaded is None or loaded[1]:  # computed, or read in an older format
                self._store(key, expected)
            self._memory[key] = expected
            return expected

    def remember(self, task: Task, suite: TestSuite, expected: Expected) -> None:
        """Take ``expected`` as ``suite``'s outputs, computed elsewhere (another node of a
        cluster computed them once and shared them); nothing is written to disk."""
        if len(expected.valid) != len(suite.inputs):
            raise ValueError(
                f"{len(expected.valid)} expected outputs for "
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

    @staticmethod
    def _values_path(head: Path, digests: list[bytes]) -> Path:
        # named by what it holds, so two processes caching the same key at once never
        # pair one's head with the other's values; derived, never read from the file
        tag = hashlib.blake2b(b"".join(digests), digest_size=8).hexdigest()
        return head.with_name(f"{head.stem}.{tag}.values.json")

    def _load(self, key: str, n: int, task: Task, inputs: str) -> tuple[Expected, bool] | None:
        """The cached entry and whether it must be rewritten (older format, or cached by
        the other JSON encoder), or None. A current entry's texts are not read here."""
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            data = json.loads(path.read_bytes())
            if type(data) is dict and data.get("format") == _FORMAT:
                joined = bytes.fromhex(data["digests"])  # one string: ~10x faster to read
                size = DIGEST_BYTES
                digests = [joined[k : k + size] for k in range(0, len(joined), size)]
                special = frozenset(int(i) for i in data["special"])
                values = self._values_path(path, digests)
                load = self._loader(values, n, digests, task, inputs)
                expected = Expected(
                    None, *_head_fields(data), digests=digests, special=special, load=load
                )
                if data.get("encoder") != codec.ENCODER:
                    # text from the other encoder (orjson or json) is never byte-identical
                    # to a result line (every right answer judged the slow way): re-encode
                    texts = [codec.dumps(codec.loads(t)) for t in expected.encoded]
                    expected = Expected(texts, *_head_fields(data))
                    values.unlink(missing_ok=True)
                    return _sized(expected, n, stale=True)
                return _sized(expected, n, stale=False)
            if type(data) is dict and data.get("format") == 2:  # one file, codec text
                texts = data["encoded"]
                if not all(type(text) is str for text in texts):
                    return None
                if data.get("encoder") != codec.ENCODER:
                    texts = [codec.dumps(codec.loads(t)) for t in texts]
            else:  # format 1: decoded values
                texts = [codec.dumps(v) for v in codec.loads(path.read_bytes())["values"]]
            return _sized(Expected(texts, *_head_fields(data)), n, stale=True)
        except (codec.DecodeError, ValueError, KeyError, TypeError, OSError):
            return None  # a damaged cache entry is recomputed, never trusted

    def _loader(
        self, values: Path, n: int, digests: list[bytes], task: Task, inputs: str
    ) -> Callable[[], list[str]]:
        """Reads a suite's value texts when a judge first needs one. A missing or damaged
        values file is recomputed; the reference must give the answers the head records."""

        def load() -> list[str]:
            try:
                texts = json.loads(values.read_bytes())
                if type(texts) is list and len(texts) == n and all(type(t) is str for t in texts):
                    return texts
            except (ValueError, OSError):
                pass
            again = self._compute(task, inputs, n)
            if again.digests != digests:
                entry = values.parent / (values.name.split(".")[0] + ".*")
                raise ValueError(
                    f"the cached expected outputs of {task.id} lost their values file and its "
                    f"reference now gives other answers; delete {entry} to recompute them"
                )
            self._write(values, again.encoded)
            return again.encoded

        return load

    def _store(self, key: str, expected: Expected) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # values first, then the head that names them: a crash between leaves no head
        self._write(self._values_path(path, expected.digests), expected.encoded)
        head = {
            "format": _FORMAT,
            "encoder": codec.ENCODER,
            "valid": expected.valid,
            "durations": expected.durations,
            "problems": expected.problems,
            "output_bytes": expected.output_bytes,
            "digests": b"".join(expected.digests).hex(),
            "special": sorted(expected.special),
        }
        self._write(path, head)
        self.writes += 1

    @staticmethod
    def _write(path: Path, data: Any) -> None:
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written file


def _head_fields(data: dict[str, Any]) -> tuple[list[bool], list[float], list[str], int]:
    return (
        [bool(v) for v in data["valid"]],
        [float(d) for d in data["durations"]],
        [str(p) for p in data["problems"]],
        int(data["output_bytes"]),
    )


def _sized(expected: Expected, n: int, stale: bool) -> tuple[Expected, bool] | None:
    sizes = {len(expected.digests), len(expected.valid), len(expected.durations)}
    return (expected, stale) if sizes == {n} else None
