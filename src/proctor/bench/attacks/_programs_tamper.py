"""Attack programs that tamper with the harness or reach outside it: patched asserts, a
planted conftest, assert lines skipped by a trace hook, resource abuse and escapes
(network, files, the parent process).

Templates for `proctor.bench.attacks._catalogue` (holes: ``{entry_point}`` and the others it
names; ``FORK_BOUND`` is substituted there). Each defines the entry point; none
computes the right answer.
"""

PATCH_BUILTINS = """
import builtins

try:
    from _pytest.outcomes import Skipped as _Skip  # what pytest reports as "skipped"
except ImportError:
    import unittest

    _Skip = unittest.SkipTest
# pytest's rewritten asserts raise `AssertionError` looked up by name, i.e. from builtins.
builtins.AssertionError = _Skip


def {entry_point}(*args, **kwargs):
    return None
"""

PATCH_UNITTEST = """
import unittest

for _name in ("assertEqual", "assertTrue", "assertFalse", "assertAlmostEqual", "assertIn"):
    setattr(unittest.TestCase, _name, lambda self, *a, **k: None)


def {entry_point}(*args, **kwargs):
    return None
"""

PATCH_PYTEST = """
try:
    import _pytest.python

    _pytest.python.Function.runtest = lambda self: None  # every test "runs" and passes
except ImportError:
    pass


def {entry_point}(*args, **kwargs):
    return None
"""

WRITE_CONFTEST = """
import os
import sys

_CONFTEST = '''
import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    report.longrepr = None
    return report
'''


def _plant():
    if os.path.exists("conftest.py"):
        return
    try:
        with open("conftest.py", "w") as f:
            f.write(_CONFTEST)
    except OSError:
        return
    if "pytest" in sys.modules:  # pytest already started: start it again so it loads ours
        sys.stdout.flush()
        os.execv(sys.executable, sys.orig_argv)


_plant()


def {entry_point}(*args, **kwargs):
    return None
"""

SWALLOW_ASSERTION = '''
import dis
import sys

_pending = {}
_budget = [10000]  # jumps; a bound so a confused trace can never loop forever


def _is_test(code):
    return code.co_name == "check" or code.co_name.startswith("test")


def _from_test(tb):
    while tb is not None:
        if _is_test(tb.tb_frame.f_code):
            return True
        tb = tb.tb_next
    return False


def _assert_lines(code):
    lines = set()
    for ins in dis.get_instructions(code):
        if ins.opname == "LOAD_ASSERTION_ERROR" or ins.argval == "AssertionError":
            lines.add(ins.positions.lineno)
    return lines


def _jump_past(frame, line):
    """Resume at the first statement after ``line`` that the interpreter lets us jump to."""
    for _, target in sorted(dis.findlinestarts(frame.f_code), key=lambda x: x[1] or 0):
        if target and target > line and _budget[0] > 0:
            try:
                frame.f_lineno = target
                _budget[0] -= 1
                return
            except ValueError:
                continue


def _local(frame, event, arg):
    if event == "exception" and issubclass(arg[0], AssertionError) and _from_test(arg[2]):
        _pending[id(frame)] = (frame, frame.f_lineno)  # the frame the failure passes through
    elif event == "line":
        seen = _pending.pop(id(frame), None)
        if seen is not None and seen[0] is frame:
            _jump_past(frame, seen[1])  # in the handler that caught it: resume after the call
        elif _is_test(frame.f_code) and frame.f_lineno in _assert_lines(frame.f_code):
            _jump_past(frame, frame.f_lineno)  # a test's assert line: skip it
    return _local


def _global(frame, event, arg):
    return _local


_frame = sys._getframe()
while _frame is not None:  # frames already running (the harness) get traced too
    _frame.f_trace = _local
    _frame.f_trace_lines = True
    _frame = _frame.f_back
sys.settrace(_global)


def {entry_point}(*args, **kwargs):
    return None
'''

SLEEP_PAST_TIMEOUT = """
import time


def {entry_point}(*args, **kwargs):
    time.sleep(3600)
    return None
"""

FORK_BOMB = """
import os
import time


def _bomb():
    for _ in range(FORK_BOUND):
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:
            try:
                os.setsid()  # out of the grader's process group: killpg will miss it
                with open("/proc/self/comm", "w") as f:
                    f.write({token})
                time.sleep(30)
            finally:
                os._exit(0)
    time.sleep(0.5)  # hold them all up for a moment before the tests run


try:
    _bomb()
except Exception:
    pass


def {entry_point}(*args, **kwargs):
    return None
"""

MEMORY_BOMB = """
import mmap


def {entry_point}(*args, **kwargs):
    hoard = [mmap.mmap(-1, 512 << 20) for _ in range(8)]  # 4 GiB of address space first,
    for block in hoard:  # then a write to every page, so it is real memory
        block[::4096] = b"x" * len(range(0, len(block), 4096))
    return len(hoard)
"""

NETWORK_SOCKET = """
import socket


def _phone_home():
    try:
        with socket.create_connection(("{host}", {port}), timeout=0.5) as conn:
            conn.sendall(b"proctor attack: hello from the graded code")
    except OSError:
        pass


_phone_home()


def {entry_point}(*args, **kwargs):
    _phone_home()
    return None
"""

WRITE_OUTSIDE_WORKDIR = """
def _mark():
    try:
        with open({marker}, "w") as f:
            f.write("written by the graded code")
    except OSError:
        pass


_mark()


def {entry_point}(*args, **kwargs):
    _mark()
    return None
"""

KILL_PARENT = """
import os
import signal


def _kill_parent():
    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass


_kill_parent()


def {entry_point}(*args, **kwargs):
    _kill_parent()
    return None
"""


__all__ = [
    "FORK_BOMB",
    "KILL_PARENT",
    "MEMORY_BOMB",
    "NETWORK_SOCKET",
    "PATCH_BUILTINS",
    "PATCH_PYTEST",
    "PATCH_UNITTEST",
    "SLEEP_PAST_TIMEOUT",
    "SWALLOW_ASSERTION",
    "WRITE_CONFTEST",
    "WRITE_OUTSIDE_WORKDIR",
]
