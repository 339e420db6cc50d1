"""Running a command with host protection only: what the naive graders share.

The naive graders reproduce exploitable reward setups on purpose, so nothing here
protects the *verdict*; it protects the host, as real setups do: rlimits, a cap on
processes (`proctor.graders._pids_cap`), a wall timeout, the process group killed
at the end, and, where ``unshare`` works, fresh user/pid/net namespaces.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.graders._pids_cap import pids_cap
from proctor.sandbox import InfraError
from proctor.sandbox.runtime.scratch import temporary_directory

_OUTPUT_CAP = 4 << 20  # bytes of stdout/stderr read back (the tail)
_UNSHARE_FLAGS = [
    "--user",
    "--map-root-user",
    "--pid",
    "--fork",
    "--net",
    "--mount-proc",
    "--kill-child",
]
NAMESPACE_MECHANISMS = ["userns", "pidns", "netns", "private-proc"]
NPROC_LIMIT = 128
"""Processes and threads a graded command may have at once: a fork bomb stops here
(a pids cgroup as root, RLIMIT_NPROC otherwise; see `proctor.graders._pids_cap`)."""


@dataclass
class RunResult:
    """What a contained command did."""

    returncode: int
    """Exit status (negative: killed by that signal)."""
    stdout: str
    stderr: str
    timed_out: bool
    wall_s: float
    cpu_s: float
    max_rss_kb: int


_ns_lock = threading.Lock()
_ns_available: bool | None = None


def namespaces_available() -> bool:
    """Whether ``unshare`` can put a command in fresh user/pid/net namespaces (checked once)."""
    global _ns_available
    with _ns_lock:
        if _ns_available is None:
            exe = shutil.which("unshare")
            try:
                ok = (
                    exe is not None
                    and subprocess.run(
                        [exe, *_UNSHARE_FLAGS, "true"],
                        capture_output=True,
                        timeout=10,
                    ).returncode
                    == 0
                )
            except (OSError, subprocess.SubprocessError):
                ok = False
            _ns_available = ok
        return _ns_available


def _limits(timeout: float, memory_mb: int, nproc: bool) -> tuple[list[str], Any]:
    """A ``prlimit`` prefix, or a preexec function where util-linux's prlimit is missing.

    ``nproc`` adds RLIMIT_NPROC: only inside a fresh user namespace, where the count
    starts from zero (outside, it counts every process the user already has)."""
    cpu = math.ceil(timeout) + 1
    mem, fsize = memory_mb << 20, 64 << 20
    exe = shutil.which("prlimit")
    if exe:
        return [
            exe,
            f"--as={mem}",
            f"--cpu={cpu}:{cpu + 1}",
            f"--fsize={fsize}",
            "--core=0",
            *([f"--nproc={NPROC_LIMIT}"] if nproc else []),
            "--",
        ], None

    def preexec() -> None:  # pragma: no cover - only without util-linux
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC_LIMIT, NPROC_LIMIT))

    return [], preexec


def _tail(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - _OUTPUT_CAP))
        return f.read().decode("utf-8", "replace")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass  # the group is already gone


def run_contained(
    argv: list[str],
    cwd: Path,
    timeout: float,
    memory_mb: int,
    namespaces: bool,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> RunResult:
    """Run ``argv`` in ``cwd`` with rlimits and a wall timeout; kill its process group after.

    stdin, stdout and stderr are files in a private directory outside ``cwd``
    (so processes the command leaves behind cannot hold a pipe open). The peak RSS
    has a floor: Linux records the forking process's image at exec, so it is never
    below this grader's own RSS.
    """
    cap = pids_cap(NPROC_LIMIT) if os.geteuid() == 0 else None
    prefix, preexec = _limits(timeout, memory_mb, nproc=namespaces and os.geteuid() != 0)
    if cap is not None:
        preexec = _then(cap.preexec, preexec)
    if namespaces:
        prefix = [shutil.which("unshare") or "unshare", *_UNSHARE_FLAGS, "--", *prefix]
    try:
        return _run(argv, cwd, timeout, prefix, preexec, stdin, env)
    finally:
        if cap is not None:
            cap.close()


def _then(first: Any, second: Any) -> Any:
    """One preexec function that runs ``first`` then ``second`` (which may be None)."""
    if second is None:
        return first

    def both() -> None:
        first()
        second()

    return both


def _run(
    argv: list[str],
    cwd: Path,
    timeout: float,
    prefix: list[str],
    preexec: Any,
    stdin: bytes,
    env: dict[str, str] | None,
) -> RunResult:
    base_env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(cwd),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    with temporary_directory(prefix="proctor-naive-io-") as io_dir:
        io = Path(io_dir)
        (io / "stdin").write_bytes(stdin)
        started = time.perf_counter()
        with (
            (io / "stdin").open("rb") as fin,
            (io / "stdout").open("wb") as fout,
            (io / "stderr").open("wb") as ferr,
        ):
            try:
                proc = subprocess.Popen(
                    [*prefix, *argv],
                    stdin=fin,
                    stdout=fout,
                    stderr=ferr,
                    cwd=cwd,
                    env={**base_env, **(env or {})},
                    start_new_session=True,
                    preexec_fn=preexec,
                )
            except OSError as exc:
                raise InfraError(f"could not start {argv[0]}: {exc}") from exc
        status, usage, timed_out = _wait(proc, timeout)
        _kill_group(proc.pid)  # whatever it left behind in its group
        return RunResult(
            returncode=os.waitstatus_to_exitcode(status),
            stdout=_tail(io / "stdout"),
            stderr=_tail(io / "stderr"),
            timed_out=timed_out,
            wall_s=time.perf_counter() - started,
            cpu_s=usage.ru_utime + usage.ru_stime if usage else 0.0,
            max_rss_kb=usage.ru_maxrss if usage else 0,
        )


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, Any, bool]:
    """wait4 with a deadline (for the rusage of the command and what it waited for)."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= deadline:
            timed_out = True
            _kill_group(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return status, usage, timed_out


__all__ = [
    "NAMESPACE_MECHANISMS",
    "NPROC_LIMIT",
    "RunResult",
    "namespaces_available",
    "run_contained",
]
