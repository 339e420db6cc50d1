"""Assert-style checks survive a kill from outside: the session's call is re-run once.

An assert-style check runs in the judge and calls the program one call at a time in
a sandbox session. A session child killed by a signal proctor did not send (what the
OOM killer does) gets a fresh child and the call is made again; only a second death
counts against the program. Before, the check failed: reward 0 with status ``ok``.
"""

from __future__ import annotations

import threading

from _faults import comm, kill_first_child
from proctor.graders import HardenedGrader
from proctor.records import Rollout, Task, TestSuite
from proctor.sandbox import Limits, SandboxPool

_CALLS = 20
_CHECK = "def check(candidate):\n" + "".join(
    f"    assert candidate({i}, {i}) == {2 * i}\n" for i in range(_CALLS)
)
TASK = Task(
    id="t/check-add",
    prompt="def add(a, b):\n    pass\n",
    entry_point="add",
    reference="def add(a, b):\n    return a + b\n",
    visible=TestSuite(kind="assert", code=_CHECK),
    heldout=TestSuite(kind="assert", code=_CHECK),
)
# Honest, a little slow, and it names its process after its fifth call in a child so
# the fault lands mid-check (never while it loads, which was already re-run).
_SLOW_ADD = """
import ctypes, time
_libc = ctypes.CDLL(None)
_calls = []
def add(a, b):
    _calls.append(1)
    if len(_calls) == 5:
        _libc.prctl(15, b"proctor-mid", 0, 0, 0)  # PR_SET_NAME
    time.sleep(0.05)
    return a + b
"""


def test_a_session_child_killed_mid_check_is_rerun_not_scored() -> None:
    grader = HardenedGrader(limits=Limits(wall=30.0, test=2.0))
    try:
        root = grader.pool._all[0]._proc.pid  # type: ignore[union-attr]
        killed: list[int] = []
        killer = threading.Thread(
            target=kill_first_child,
            args=(root, 0.02, killed, lambda pid: comm(pid) == "proctor-mid"),
        )
        killer.start()
        grade = grader.grade(TASK, Rollout(id="r", task_id=TASK.id, code=_SLOW_ADD))
        killer.join()
    finally:
        grader.close()
    assert killed, "the fault was not injected"
    assert grade.status == "ok", grade.error
    assert (grade.proxy, grade.gold) == (1.0, 1.0), grade.failures


def test_a_call_that_kills_its_child_every_time_counts_against_the_program() -> None:
    dies = "import os, signal\ndef add(a, b):\n    if a == 3:\n        os.kill(os.getpid(), signal.SIGKILL)\n    return a + b\n"
    with HardenedGrader(limits=Limits(wall=30.0, test=2.0)) as grader:
        grade = grader.grade(TASK, Rollout(id="r", task_id=TASK.id, code=dies))
    assert grade.status == "ok" and grade.proxy == 0.0
    assert "crash" in (grade.failures[0].detail or ""), grade.failures


def test_a_rerun_session_keeps_numbering_its_calls() -> None:
    """After the re-run, later calls still come back (their indexes are renumbered)."""
    code = "import os, signal\n_n = []\ndef f(x):\n    _n.append(x)\n    if x == 2 and len(_n) == 3:\n        os.kill(os.getpid(), signal.SIGKILL)\n    return x * 10\n"
    with SandboxPool(workers=1) as pool, pool.session(code, "f") as session:
        results = [session.call([x]) for x in range(5)]
    assert [(r.status, r.value) for r in results] == [("ok", x * 10) for x in range(5)]
