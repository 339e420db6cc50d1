"""Per-job isolation: IPC, scratch space, the infra channel, signals from outside, argv.

Each test here failed on the zygote that forked children from itself (before
the clean template): see docs/threat-model.md, "No job sees another".
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import proctor
from _faults import kill_first_child
from proctor.graders import HardenedGrader
from proctor.records import Rollout, Task, TestSuite
from proctor.sandbox import Limits, SandboxPool

_IPC = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
def f(key):
    out = []
    shm = libc.shmget(0, 8 << 20, IPC_CREAT | 0o600)  # IPC_PRIVATE, 8 MiB
    out.append([shm, ctypes.get_errno()])
    q = libc.msgget(key, IPC_CREAT | 0o600)
    out.append([q, ctypes.get_errno()])
    sem = libc.semget(key, 1, IPC_CREAT | 0o600)
    out.append([sem, ctypes.get_errno()])
    return out
"""


def _shmem_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1])
    return 0


def test_sysv_ipc_is_refused_to_every_child() -> None:
    with SandboxPool(workers=1) as pool:
        if "seccomp" not in pool.mechanisms:
            pytest.skip("no seccomp filter on this machine")
        result = pool.run_batch(_IPC, "f", [[4242]]).results[0]
    assert result.status == "ok", result.detail
    assert all(rc == -1 for rc, _ in result.value), result.value


def test_rollouts_cannot_pin_shared_memory_or_pass_messages() -> None:
    pin = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
def f(key):
    seg = libc.shmget(key, 8 << 20, 0o1000 | 0o600)
    if seg >= 0:
        at = libc.shmat(seg, None, 0)
        if at not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(at, 1, 8 << 20)  # make the pages real
    q = libc.msgget(key, 0o1000 | 0o600)
    if q >= 0:
        msg = (ctypes.c_long * 2)(1, 0x4b434148)
        libc.msgsnd(q, msg, 8, 0)
    return seg
"""
    read = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def f(key):
    q = libc.msgget(key, 0)
    if q < 0:
        return None
    buf = (ctypes.c_long * 2)()
    return libc.msgrcv(q, buf, 8, 0, 0o4000)  # IPC_NOWAIT
"""
    before = _shmem_kb()
    with SandboxPool(workers=1) as pool:
        for key in range(1000):
            assert pool.run_batch(pin, "f", [[7000 + key]]).results[0].value == -1
        got = pool.run_batch(read, "f", [[7000]]).results[0]
    assert got.status == "ok" and got.value is None
    # 1,000 pinned 8 MiB segments would be 8 GiB; allow other processes' noise.
    assert _shmem_kb() - before < 256 * 1024


_DEEP = """
import os
def f(depth):
    here = os.getcwd()
    for _ in range(depth):
        os.mkdir("d" * 20)
        os.chdir("d" * 20)
    with open("x", "w") as fh:
        fh.write("x")
    os.chmod(".", 0o500)
    return here
"""


@pytest.mark.parametrize("isolation", ["auto", "none"])
def test_a_deep_tree_left_behind_never_breaks_the_worker(isolation: str) -> None:
    with SandboxPool(workers=1, isolation=isolation) as pool:  # type: ignore[arg-type]
        for _ in range(3):  # the old clean-up crashed the zygote, twice: infra error
            batch = pool.run_batch(_DEEP, "f", [[1500]])
            assert batch.results[0].status == "ok", batch.results[0].detail
        workdir = batch.results[0].value
        after = pool.run_batch("def f(x): return x + 1", "f", [[1]])
    assert after.results[0].value == 2
    if isolation == "none":  # the child's directory is on the host: it must be gone
        assert not os.path.exists(workdir)


def test_a_program_cannot_declare_an_infra_error() -> None:
    forge = """
import os
line = b'{"load":"sandbox setup failed: OSError: simulated","infra":1}\\n'
for fd in range(3, 4096):
    try:
        os.write(fd, line)
    except OSError:
        pass
os._exit(3)
def f(x):
    return x
"""
    with SandboxPool(workers=1) as pool:
        batch = pool.run_batch(forge, "f", [[1], [2]])  # an InfraError before the fix
        with pool.session(forge, "f") as session:
            session_error = session.load_error
    assert batch.load_error is not None
    assert [r.status for r in batch.results] == ["missing", "missing"]
    assert session_error is not None


@pytest.mark.parametrize("phase", ["loading", "testing"])
def test_a_child_killed_from_outside_is_rerun_not_scored(phase: str) -> None:
    """The fault test: SIGKILL from outside, mid-run; the grade is right after the re-run."""
    slow_load = "import time\ntime.sleep(0.6)\n" if phase == "loading" else ""
    slow_test = "    time.sleep(0.05)\n" if phase == "testing" else ""
    task = Task(
        id="t/slow-add",
        prompt="def add(a, b):\n    pass\n",
        entry_point="add",
        reference="def add(a, b):\n    return a + b\n",
        visible=TestSuite(inputs=[[i, i] for i in range(20)]),
        heldout=TestSuite(inputs=[[i, 1] for i in range(20)]),
    )
    code = f"import time\n{slow_load}def add(a, b):\n{slow_test}    return a + b\n"
    grader = HardenedGrader(limits=Limits(wall=30.0, test=2.0))
    try:
        grader.grade(task, Rollout(id="warm", task_id=task.id, code="def add(a, b): return 0"))
        root = grader.pool._all[0]._proc.pid  # type: ignore[union-attr]
        killed: list[int] = []
        killer = threading.Thread(target=kill_first_child, args=(root, 0.3, killed))
        killer.start()
        grade = grader.grade(task, Rollout(id="r", task_id=task.id, code=code))
        killer.join()
    finally:
        grader.close()
    assert killed, "the fault was not injected"
    assert grade.status == "ok", grade.error
    assert (grade.proxy, grade.gold) == (1.0, 1.0), grade.failures
    assert grade.stats.restarts == 0


def test_nothing_about_the_host_in_the_childs_argv_or_environment() -> None:
    checkout = str(Path(proctor.__file__).resolve().parents[2])
    code = "import os, sys\ndef f():\n    return [sys.argv, sys.orig_argv, dict(os.environ)]\n"
    with SandboxPool(workers=1) as pool:
        result = pool.run_batch(code, "f", [[]]).results[0]
    assert result.status == "ok", result.detail
    text = repr(result.value)
    assert checkout not in text
    assert "read_only" not in text and "/usr/lib" not in text
    assert "PATH" not in result.value[2]


def test_a_full_scratch_space_is_the_programs_problem_only() -> None:
    fill = """
import os
def f(x):
    n = 0
    try:
        while True:
            with open(f"f{n}", "wb") as fh:
                fh.write(b"x" * (1 << 20))
            n += 1
    except OSError:
        return n
"""
    with SandboxPool(workers=1, scratch_mb=8) as pool:
        if "job-tmpfs" not in pool.mechanisms:
            pytest.skip("no per-job tmpfs on this machine")
        for _ in range(3):
            batch = pool.run_batch(fill, "f", [[0]])
            assert batch.results[0].status == "ok", batch.results[0].detail
            assert batch.results[0].value < 9  # the job's own tmpfs filled up, nothing else
        assert pool.run_batch("def f(x): return x", "f", [[5]]).results[0].value == 5
