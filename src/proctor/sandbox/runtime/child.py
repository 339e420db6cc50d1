"""What a forked sandbox child does: lock itself down, load the program, run tests.

Everything before `_lock_down` returns is trusted code; everything after runs
next to hostile code, so the only thing that matters afterwards is what bytes
reach the result pipe, and the judge treats those bytes as untrusted data.

Result lines (NDJSON, one per event, written as they happen so a crash loses
nothing already done):
  {"ready":1}                 the program loaded
  {"load":"<error>"}          the program failed to load (always the program's
                              failure: set-up failures go on the status pipe)
  {"i":N,"v":<value>}         test N returned <value> (codec encoding)
  {"i":N,"e":"<error>"}       test N raised
  {"i":N,"t":1}               test N passed its per-test time limit
An optional "d" key carries the test's duration in seconds (reference runs).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import time
from typing import Any, NoReturn

from . import codec, landlock, seccomp


class _TestTimeout(BaseException):
    """Raised by the per-test alarm. BaseException so `except Exception` won't eat it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _TestTimeout


def _write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write(fd: int, record: dict[str, Any]) -> None:
    _write_bytes(fd, codec.to_json(record) + b"\n")


class _Lines:
    """Result lines, written at once or gathered into blocks.

    Blocks are flushed by size and by age, so the zygote still hears from a
    healthy child often enough not to take it for hung.
    """

    def __init__(self, fd: int, block: int) -> None:
        self.fd, self.block = fd, block
        self.parts: list[bytes] = []
        self.size = 0
        self.flushed = time.monotonic()

    def add(self, record: dict[str, Any]) -> None:
        line = codec.to_json(record) + b"\n"
        if not self.block:
            _write_bytes(self.fd, line)
            return
        self.parts.append(line)
        self.size += len(line)
        if self.size >= self.block or time.monotonic() - self.flushed > 0.05:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            _write_bytes(self.fd, b"".join(self.parts))
            self.parts, self.size = [], 0
        self.flushed = time.monotonic()


_libc = ctypes.CDLL(None, use_errno=True)


def _drop_capabilities() -> None:
    # In a user namespace the zygote holds every capability there; its children
    # must not. capset(2) with empty sets; errors mean we had none to drop.
    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (("eff", ctypes.c_uint32), ("perm", ctypes.c_uint32), ("inh", ctypes.c_uint32))

    _libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)())


def _set_limits(limits: dict[str, Any], processes_blocked: bool) -> None:
    mb = 1024 * 1024
    wall = float(limits["wall"])
    cpu = max(1, int(wall) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not processes_blocked:
        # Without seccomp, cap processes by rlimit (not enforced for real root).
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)


_prepared: dict[str, Any] = {}


def prepare(hardening: dict[str, Any]) -> None:
    """Do once, in the zygote, the parts of the lock-down that do not depend on the job."""
    if hardening["landlock"]:
        _prepared["landlock"] = landlock.Prepared(hardening["read_only"])
    if hardening["seccomp"]:
        _prepared["seccomp"] = seccomp.Prepared()


def lock_down(
    result_fds: tuple[int, ...],
    workdir: str,
    limits: dict[str, Any],
    hardening: dict[str, Any],
    extra_read_only: list[str] | None = None,
) -> None:
    """Confine the current (freshly forked) process. Raises OSError if a layer fails.

    ``extra_read_only``: more paths the child may read (e.g. pytest's own files
    for workspace jobs), on top of the standard library.
    """
    os.setsid()
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the zygote
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.chdir(workdir)
    _drop_capabilities()
    if hardening["landlock"]:
        prepared = _prepared.get("landlock") or landlock.Prepared(hardening["read_only"])
        if extra_read_only:
            extra = landlock.Prepared(extra_read_only)
            extra.rules = prepared.rules + extra.rules
            prepared = extra
        landlock.restrict(prepared, [workdir], hardening["landlock"])
    # Only now close what we inherited (the prepared Landlock fds among it).
    start = 3
    for fd in sorted(result_fds):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 1 << 16)
    _set_limits(limits, hardening["seccomp"])  # after the closing: RLIMIT_NOFILE is small
    if hardening["seccomp"]:
        seccomp.install(_prepared.get("seccomp"))


def load_program(code: str, entry_point: str) -> Any:
    """Execute the program and return its entry point (raises on any failure)."""
    # Not "__main__": a solution's `if __name__ == "__main__":` block must not run.
    namespace: dict[str, Any] = {"__name__": "__solution__", "__builtins__": __builtins__}
    exec(compile(code, "<solution>", "exec"), namespace)
    fn = namespace.get(entry_point)
    if not callable(fn):
        raise NameError(f"the program does not define a function named {entry_point!r}")
    return fn


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, short; never raises."""
    try:
        return f"{type(exc).__name__}: {exc}"[:300]
    except BaseException:  # a hostile __str__
        return "exception"


_describe = describe


def report_setup(status_fd: int, error: str | None) -> None:
    """Say on the status pipe how the lock-down went, and close it.

    The status pipe is the only channel on which "the sandbox failed" can be
    said, and it is closed before a line of the program runs: a program that
    prints the same words on its result pipe is just a program that failed.
    """
    try:
        _write_bytes(status_fd, b"ok" if error is None else b"fail:" + error.encode()[:2000])
    except OSError:
        pass
    os.close(status_fd)


def _start(
    job: dict[str, Any],
    keep: tuple[int, ...],
    fd: int,
    status_fd: int,
    workdir: str,
    hardening: dict[str, Any],
) -> Any:
    """Lock down, load the program, say ready; return its entry point (or exit)."""
    try:
        lock_down((*keep, status_fd), workdir, job["limits"], hardening)
    except BaseException as exc:  # the sandbox itself failed: report, never run the code
        report_setup(status_fd, f"sandbox setup failed: {describe(exc)}")
        os._exit(3)
    report_setup(status_fd, None)
    try:
        fn = load_program(job["code"], job["entry_point"])
    except BaseException as exc:
        _write(fd, {"load": describe(exc)})
        os._exit(0)
    _write(fd, {"ready": 1})
    return fn


def run_batch(
    job: dict[str, Any], fd: int, status_fd: int, workdir: str, hardening: dict[str, Any]
) -> NoReturn:
    """Run the tests ``job["indexes"]`` of a batch job, then exit."""
    # Inputs are decoded before the program exists: it cannot tamper with the decoder.
    # Nothing may escape a forked child: it would fall back into the template's loop.
    try:
        inputs = codec.loads(job["inputs"])
    except BaseException as exc:
        report_setup(status_fd, f"sandbox setup failed: {describe(exc)}")
        os._exit(3)
    fn = _start(job, (fd,), fd, status_fd, workdir, hardening)
    per_test = float(job["limits"]["test"])
    # each test's own limit where the judge sent them (from the reference's time on it)
    each = job.get("test_limits")
    limits = [float(x) for x in each] if each is not None else None
    timing = bool(job.get("timing"))
    lines = _Lines(fd, int(job.get("buffer", 0)))
    signal.signal(signal.SIGALRM, _on_alarm)
    for i in job["indexes"]:
        record: dict[str, Any] = {"i": i}
        started = time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_REAL, per_test if limits is None else limits[i])
            try:
                value = fn(*inputs[i])
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            record["v"] = codec.encode_value(value)
        except _TestTimeout:
            record["t"] = 1
        except BaseException as exc:
            record["e"] = _describe(exc)
        if timing:
            record["d"] = time.perf_counter() - started
        try:
            lines.add(record)
        except (TypeError, ValueError) as exc:  # e.g. a str with lone surrogates
            lines.add({"i": i, "e": f"unsendable result: {_describe(exc)}"})
    lines.flush()
    os._exit(0)


def run_session(
    job: dict[str, Any],
    req_fd: int,
    fd: int,
    status_fd: int,
    workdir: str,
    hardening: dict[str, Any],
) -> NoReturn:
    """Serve calls one at a time (for assert-style tests run in the judge)."""
    fn = _start(job, (req_fd, fd), fd, status_fd, workdir, hardening)
    reader = os.fdopen(req_fd, "rb", buffering=1 << 16)
    for i, line in enumerate(reader):
        record: dict[str, Any] = {"i": i}
        try:
            args = codec.loads(line)
            record["v"] = codec.encode_value(fn(*args))
        except BaseException as exc:
            record["e"] = _describe(exc)
        _write(fd, record)
    sys.exit(0)
