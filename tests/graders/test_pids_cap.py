"""The naive graders cap how many processes graded code can start (fork bombs stop)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proctor.graders import create_grader
from proctor.graders._contained import NPROC_LIMIT, namespaces_available
from proctor.graders._pids_cap import PidsCap, cgroup_root
from proctor.records import Rollout, Task, TestSuite

# Forks children that sleep, counting the forks that worked; `add` is right only
# when the count stayed under the cap, so the proxy tells whether the cap held.
FORKER = f"""
import os, time
started = 0
try:
    while started < {NPROC_LIMIT * 3}:
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        started += 1
except OSError:
    pass

def add(a, b):
    return a + b if started < {NPROC_LIMIT} else -1
"""

TASK = Task(
    id="add",
    entry_point="add",
    reference="def add(a, b):\n    return a + b\n",
    visible=TestSuite(inputs=[[1, 2]]),
    heldout=TestSuite(inputs=[[3, 4]]),
)


def _capped() -> bool:
    if os.geteuid() == 0:
        return cgroup_root() is not None
    return namespaces_available()


@pytest.mark.skipif(not _capped(), reason="no pids cgroup (as root) or user namespaces here")
@pytest.mark.parametrize("grader", ["naive-exec", "naive-pytest"])
def test_fork_bomb_stops_at_the_process_cap(grader: str) -> None:
    with create_grader(grader, timeout=10.0) as g:
        grade = g.grade(TASK, Rollout(id="bomb", task_id="add", code=FORKER))
    assert grade.status == "ok"
    assert grade.proxy == 1.0  # fewer than NPROC_LIMIT forks succeeded


@pytest.mark.skipif(
    os.geteuid() != 0 or cgroup_root() is None, reason="needs root and pids cgroups"
)
def test_the_per_command_cgroup_is_removed_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    # record every cgroup the grader makes, so the test fails if none is made at all
    made: list[Path] = []
    real_init = PidsCap.__init__

    def spying_init(self: PidsCap, root: Path, limit: int) -> None:
        real_init(self, root, limit)
        assert self.path.is_dir()
        made.append(self.path)

    monkeypatch.setattr(PidsCap, "__init__", spying_init)
    with create_grader("naive-exec") as g:
        grade = g.grade(TASK, Rollout(id="bomb", task_id="add", code=FORKER))
    assert grade.status == "ok"
    assert made, "the naive grader ran code without a pids cgroup"
    assert not [p for p in made if p.exists()]
