"""A pool of sandbox workers: run a program on a batch of inputs, or call it one call at a time."""

from __future__ import annotations

import hashlib
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from proctor.sandbox._errors import InfraError
from proctor.sandbox._isolation import (
    DEFAULT_PRELOAD,
    Isolation,
    bwrap_prefix,
    hardening,
    log,
    missing_isolation,
    warn_once,
)
from proctor.sandbox._limits import Limits
from proctor.sandbox._worker import Worker, WorkerDied
from proctor.sandbox.runtime import codec

CallStatus = Literal["ok", "error", "timeout", "crash", "missing"]
_MARGIN = 10.0  # seconds the judge waits past a job's own wall limit


@dataclass
class CallResult:
    """What one call of the program produced, decoded into exact built-in types."""

    status: CallStatus
    value: Any = None
    detail: str | None = None
    duration: float | None = None
    matched: bool = False
    """The result line carried the expected value's exact text (see `value_digest`):
    the test passed and ``value`` was not decoded."""


DIGEST_BYTES = 16
"""Length of a `value_digest`."""


def value_digest(text: bytes | memoryview) -> bytes:
    """Digest of one value's codec text: a result line ``{"i":k,"v":TEXT}`` whose TEXT has
    the expected value's digest is that value, passed without decoding (equal bytes,
    equal values: decoding is deterministic). SHA-256 (cut to 128 bits): the graded code
    writes TEXT, so it must be a hash no one can find a second text for; and with the
    CPU's SHA instructions it is about twice as fast as BLAKE2b here."""
    return hashlib.sha256(text).digest()[:DIGEST_BYTES]


def expected_line(index: int, value: Any) -> bytes:
    """The exact line a sandbox child writes when test ``index`` returns ``value``."""
    return b'{"i":%d,"v":%s}' % (index, codec.dumps(value).encode())


@dataclass
class BatchResult:
    """All results of one batch, in input order, plus what the batch cost."""

    results: list[CallResult]
    load_error: str | None = None
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    restarts: int = 0
    wall_s: float = 0.0
    body_bytes: int = 0
    mechanisms: list[str] = field(default_factory=list)
    ended: str | None = None
    """Why the batch ended before every test ran (``Limits.timeouts`` time-outs were
    reached, e.g. ``"2 tests timed out"``); the tests not run are ``missing``."""


def decode_records(
    body: bytes,
    n: int,
    known: Sequence[bytes | None] | None = None,
    budget_s: float | None = None,
) -> list[CallResult]:
    """Parse the untrusted NDJSON a sandbox child wrote. Anything odd is a failure.

    ``known[i]``: the `value_digest` of test ``i``'s expected value text (or None): a line
    that matches is a pass without decoding (decoding is deterministic, so equal
    bytes mean equal values). Everything else is decoded and judged as usual.

    ``budget_s``: thread CPU seconds the decoding may spend; records past it are
    not decoded and read as errors (the judge's cost per rollout stays bounded
    whatever the caps let through).
    """
    results: list[CallResult | None] = [None] * n
    spent_by = None if budget_s is None else time.thread_time() + budget_s
    for line in body.splitlines():
        # The test index is checked before anything is decoded: a record for a
        # test out of range, or a second one for the same test, costs nothing.
        head = _RECORD_INDEX.match(line)
        if head is None:
            continue
        i = int(head.group(1))
        if i >= n or results[i] is not None:
            continue  # out of range or a second record for the same test: first wins
        if known is not None and _carries(line, i, known[i]):
            results[i] = _MATCHED
            continue
        if spent_by is not None and time.thread_time() > spent_by:
            results[i] = CallResult("error", detail=_OVER_BUDGET)
            continue
        try:
            record = codec.loads(line, max_elements=codec.MAX_ELEMENTS)
        except (codec.DecodeError, ValueError):
            results[i] = CallResult("error", detail=_UNDECODABLE)
            continue
        if type(record) is not dict or type(record.get("i")) is not int or record["i"] != i:
            continue
        duration = record.get("d")
        duration = duration if type(duration) is float else None
        if "v" in record:
            results[i] = CallResult("ok", record["v"], duration=duration)
        elif "t" in record:
            results[i] = CallResult("timeout", detail="per-test time limit passed")
        elif "c" in record:
            results[i] = CallResult("crash", detail="the process died during this test")
        else:
            detail = record.get("e")
            results[i] = CallResult("error", detail=detail if type(detail) is str else None)
    return [r if r is not None else _NO_RESULT for r in results]


def _carries(line: bytes, i: int, digest: bytes | None) -> bool:
    """Whether ``line`` is exactly ``{"i":i,"v":TEXT}`` with TEXT of digest ``digest``."""
    if digest is None or not line.endswith(b"}"):
        return False
    head = b'{"i":%d,"v":' % i
    return line.startswith(head) and value_digest(memoryview(line)[len(head) : -1]) == digest


_NO_RESULT = CallResult("missing", detail="no result")
_MATCHED = CallResult("ok", matched=True)
_UNDECODABLE = "result could not be decoded (malformed, or over the size or hashing caps)"
_OVER_BUDGET = "not judged: the judge's CPU budget for this rollout was spent"
_RECORD_INDEX = re.compile(rb'^\{"i":(0|[1-9][0-9]{0,8})[,}]')


class SandboxPool:
    """Warm sandboxed interpreters, one per worker.

    ``isolation`` picks how the zygotes are isolated: ``userns`` (unprivileged
    namespaces, the default where the kernel allows them), ``bwrap``
    (bubblewrap), or ``none`` (rlimits, Landlock and seccomp only); ``auto``
    tries them in that order and says once what it had to give up (an error
    in the log when it ends at ``none``). ``require_isolation``: refuse to start
    (`InfraError`) with less than namespaces + Landlock + seccomp. ``scratch_mb``:
    the size of each job's private tmpfs (and of the zygote's /tmp).
    """

    def __init__(
        self,
        workers: int = 1,
        limits: Limits | None = None,
        isolation: Isolation = "auto",
        preload: Sequence[str] = DEFAULT_PRELOAD,
        use_landlock: bool = True,
        use_seccomp: bool = True,
        require_isolation: bool = False,
        scratch_mb: int = 256,
    ) -> None:
        self.limits = limits or Limits()
        self._config: dict[str, Any] = {
            "isolate": "none",
            "preload": list(preload),
            "tmpfs_mb": scratch_mb,
            "hardening": hardening(use_landlock, use_seccomp),
            # the children encode results with the judge's own orjson (see codec.to_json)
            "orjson_dir": codec.orjson_dir(),
            **self._extra_config(),
        }
        self._prefix: list[str] = []
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        first = self._first_worker(isolation)
        self._all.append(first)
        self._idle.put(first)
        for _ in range(max(1, workers) - 1):
            worker = Worker(self._prefix, self._config)
            self._all.append(worker)
            self._idle.put(worker)
        self.mechanisms: list[str] = first.mechanisms
        self.notes: list[str] = first.notes
        missing = missing_isolation(self.mechanisms)
        if require_isolation and missing:
            self.close()
            raise InfraError(
                "isolation required but this machine gives only "
                f"{', '.join(self.mechanisms)} (missing: {', '.join(missing)}); "
                "see docs/threat-model.md, 'Isolation layers and fallbacks'"
            )

    def _extra_config(self) -> dict[str, Any]:
        """More zygote configuration for pools of a special kind (see `WorkspacePool`)."""
        return {}

    def _first_worker(self, isolation: Isolation) -> Worker:
        order: list[Isolation] = ["userns", "bwrap", "none"] if isolation == "auto" else [isolation]
        failures: list[str] = []
        for choice in order:
            prefix: list[str] = []
            if choice == "bwrap":
                keep = [
                    str(Path(__file__).resolve().parent),
                    *self._config.get("pytest_site", []),
                    *([self._config["orjson_dir"]] if self._config.get("orjson_dir") else []),
                ]
                found = bwrap_prefix(keep)
                if found is None:
                    failures.append("bwrap: not installed")
                    continue
                prefix = found
            config = {**self._config, "isolate": "userns" if choice == "userns" else "none"}
            try:
                worker = Worker(prefix, config)
            except InfraError as exc:
                failures.append(f"{choice}: {exc}")
                continue
            if choice == "bwrap":
                worker.mechanisms = ["bwrap", *worker.mechanisms]
            if failures and choice == "none":  # loud: graded code now shares the host's view
                log.error(
                    "SANDBOX DEGRADED: isolation fell back to 'none', no namespaces (%s); "
                    "graded code runs with only rlimits, Landlock and seccomp. Pass "
                    "isolation='userns' "
                    "or --require-isolation to refuse this.",
                    "; ".join(failures),
                )
            elif failures:
                warn_once(
                    f"isolation-{choice}",
                    f"sandbox isolation fell back to {choice!r} ({'; '.join(failures)})",
                )
            self._config, self._prefix = config, prefix
            return worker
        raise InfraError("no sandbox could be started: " + "; ".join(failures))

    @contextmanager
    def _borrow(self) -> Iterator[Worker]:
        worker = self._idle.get()
        try:
            yield worker
        finally:
            self._idle.put(worker)

    def _request(
        self, worker: Worker, message: dict[str, Any], timeout: float
    ) -> tuple[dict[str, Any], bytes]:
        """One request; a dead worker is replaced and the request retried once."""
        for attempt in (1, 2):
            try:
                return worker.request(message, timeout)
            except WorkerDied:
                if attempt == 2:
                    raise
                worker.start()
        raise AssertionError("unreachable")

    def run_batch(
        self,
        code: str,
        entry_point: str,
        inputs: Sequence[Sequence[Any]] | str,
        n: int | None = None,
        limits: Limits | None = None,
        timing: bool = False,
        known: Sequence[bytes | None] | None = None,
        decode_budget_s: float | None = None,
        order: Sequence[int] | None = None,
        test_limits: Sequence[float] | None = None,
    ) -> BatchResult:
        """Run ``entry_point(*args)`` for every ``args`` in ``inputs`` in one sandbox child.

        ``inputs`` may be pre-encoded with `codec.dumps` (then pass ``n``) so a
        suite shared by many solutions is encoded once. ``order``: the test
        indexes to run, in that order (default: all, in input order); the others
        come back ``missing``. ``test_limits``: each test's time limit in seconds
        (default: ``limits.test`` for all; none may exceed it, the zygote's stall
        watch uses that).
        """
        limits = limits or self.limits
        if isinstance(inputs, str):
            if n is None:
                raise ValueError("pass n with pre-encoded inputs")
            encoded = inputs
        else:
            encoded, n = codec.dumps([list(args) for args in inputs]), len(inputs)
        message = {
            "op": "run",
            "code": code,
            "entry_point": entry_point,
            "inputs": encoded,
            "n": n,
            "limits": limits.model_dump(),
            "timing": timing,
        }
        if order is not None:
            message["order"] = list(order)
        if known is not None and len(known) != n:
            raise ValueError(f"{len(known)} expected digests for {n} tests")
        if test_limits is not None:
            if len(test_limits) != n:
                raise ValueError(f"{len(test_limits)} test limits for {n} tests")
            message["test_limits"] = [min(float(t), limits.test) for t in test_limits]
        started = time.perf_counter()
        with self._borrow() as worker:
            try:
                header, body = self._request(worker, message, limits.wall + _MARGIN)
            except WorkerDied as exc:
                raise InfraError(f"sandbox worker failed twice: {exc}") from exc
            mechanisms = worker.mechanisms
        if header.get("infra_error"):
            raise InfraError(str(header["infra_error"]))
        ended = header.get("ended")
        results = decode_records(body, n, known, decode_budget_s)
        if ended:
            not_run = CallResult("missing", detail=f"not run: the rollout ended after {ended}")
            results = [not_run if r is _NO_RESULT else r for r in results]
        return BatchResult(
            results=results,
            load_error=header.get("load_error"),
            cpu_s=float(header.get("cpu_s", 0.0)),
            max_rss_kb=int(header.get("max_rss_kb", 0)),
            restarts=int(header.get("restarts", 0)),
            wall_s=time.perf_counter() - started,
            body_bytes=len(body),
            mechanisms=mechanisms,
            ended=str(ended) if ended else None,
        )

    @contextmanager
    def session(
        self, code: str, entry_point: str, limits: Limits | None = None
    ) -> Iterator[Session]:
        """Load ``code`` once in a sandbox child and call it one call at a time."""
        limits = limits or self.limits
        with self._borrow() as worker:
            header, _ = self._request(
                worker,
                {
                    "op": "open",
                    "code": code,
                    "entry_point": entry_point,
                    "limits": limits.model_dump(),
                },
                limits.wall + _MARGIN,
            )
            if header.get("infra_error"):
                raise InfraError(str(header["infra_error"]))
            session = Session(worker, limits, header.get("load_error"))
            try:
                yield session
            finally:
                if header.get("ok") and worker.alive:  # not after a cancel killed it
                    worker.request({"op": "close"}, _MARGIN)

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._all:
            worker.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Session:
    """A loaded program in a sandbox child, called one call at a time."""

    def __init__(self, worker: Worker, limits: Limits, load_error: str | None) -> None:
        self._worker = worker
        self._limits = limits
        self.load_error = load_error
        self.calls = 0

    def call(self, args: Sequence[Any]) -> CallResult:
        """Call the entry point with ``args``; the value comes back as plain data."""
        if self.load_error is not None:
            return CallResult("error", detail=f"program failed to load: {self.load_error}")
        try:
            payload = codec.dumps(list(args))
        except codec.EncodeError as exc:
            return CallResult("error", detail=f"test passed a value that cannot be sent: {exc}")
        self.calls += 1
        # Room for one re-run: a child killed from outside is replaced, the program
        # loaded again (one test's limit) and the call made again (another).
        header, _ = self._worker.request(
            {"op": "call", "args": payload}, 2 * self._limits.test + _MARGIN
        )
        if "dead" in header:
            status: CallStatus = "timeout" if header["dead"] == "timeout" else "crash"
            return CallResult(status, detail=f"the program {header['dead']}")
        result = decode_records(str(header.get("line", "")).encode(), self.calls)[-1]
        return result


__all__ = [
    "BatchResult",
    "CallResult",
    "SandboxPool",
    "Session",
    "decode_records",
    "expected_line",
    "value_digest",
]
