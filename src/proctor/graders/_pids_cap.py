"""A cap on the processes a naive-graded command may start: fork bombs stop at it.

RLIMIT_NPROC would do, but the kernel never applies it to real uid 0, however deep
in user namespaces a process sits, and proctor often runs as root (containers, CI).
A PID namespace kills everything when the command ends, but until its wall timeout a
fork bomb fills the machine. So as root we put each command in its own ``pids``
cgroup (v2 when the controller is enabled there, else v1) with ``pids.max`` set.
As another user, RLIMIT_NPROC binds and `run_contained` sets it instead.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
_counter = itertools.count()
_lock = threading.Lock()
_root: Path | bool | None = False  # False: not looked up yet


def _find_root() -> Path | None:
    """A writable cgroup directory whose children get the pids controller, if any."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        fields = line.split()
        if len(fields) < 4:
            continue
        where, kind, options = Path(fields[1]), fields[2], fields[3].split(",")
        if kind == "cgroup2":
            try:
                if "pids" not in (where / "cgroup.controllers").read_text().split():
                    continue
                (where / "cgroup.subtree_control").write_text("+pids")
            except OSError:
                continue
        elif not (kind == "cgroup" and "pids" in options):
            continue
        if os.access(where, os.W_OK):
            return where
    return None


def cgroup_root() -> Path | None:
    """Where per-command pids cgroups are made (looked up once; None when impossible)."""
    global _root
    with _lock:
        if _root is False:
            _root = _find_root() if os.geteuid() == 0 else None
            if _root is None and os.geteuid() == 0:
                log.warning(
                    "no writable pids cgroup: as root, naive graders cannot cap the "
                    "number of processes a graded command starts (fork bombs run "
                    "until the wall timeout)"
                )
        return _root if isinstance(_root, Path) else None


class PidsCap:
    """One pids cgroup for one command: ``preexec`` moves the child in, ``close`` cleans up."""

    def __init__(self, root: Path, limit: int) -> None:
        self.path = root / f"proctor-naive-{os.getpid()}-{next(_counter)}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(str(limit))
        procs = str(self.path / "cgroup.procs")

        def join() -> None:  # runs in the forked child, before exec
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, b"0")  # "0" is the writing process itself
            finally:
                os.close(fd)

        self.preexec: Callable[[], None] = join

    def close(self) -> None:
        """Kill whatever is still in the cgroup and remove it (a few tries while it drains)."""
        for _ in range(50):
            try:
                pids = (self.path / "cgroup.procs").read_text().split()
            except OSError:
                return
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.02)
        log.warning("could not remove %s (still busy)", self.path)


def pids_cap(limit: int) -> PidsCap | None:
    """A fresh cap for one command, or None when there is no pids cgroup to use."""
    root = cgroup_root()
    if root is None:
        return None
    try:
        return PidsCap(root, limit)
    except OSError as exc:
        log.warning("could not make a pids cgroup under %s: %s", root, exc)
        return None


__all__ = ["PidsCap", "cgroup_root", "pids_cap"]
