"""Fault injection shared by the sandbox tests: find a worker's job children, kill one.

Importable by basename from any test: pytest puts tests/ on sys.path for tests/conftest.py.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def job_children(root: int) -> list[int]:
    """Descendants of ``root`` that lead their own session: the sandbox's job children."""
    parents: dict[int, int] = {}
    sessions: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        sessions[int(entry)] = int(fields[3])
    found = []
    for pid, sid in sessions.items():
        if sid != pid:
            continue
        up = parents.get(pid)
        while up and up != root:
            up = parents.get(up)
        if up == root:
            found.append(pid)
    return found


def comm(pid: int) -> str:
    """The process's name (``prctl(PR_SET_NAME)``), or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def kill_first_child(
    root: int,
    after: float,
    killed: list[int],
    when: Callable[[int], bool] = lambda pid: True,
) -> None:
    """SIGKILL (what the OOM killer sends) the first job child of ``root`` for which
    ``when(pid)`` holds, ``after`` seconds later; its pid goes into ``killed``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = [pid for pid in job_children(root) if when(pid)]
        if children:
            time.sleep(after)
            os.kill(children[0], signal.SIGKILL)
            killed.append(children[0])
            return
        time.sleep(0.005)
