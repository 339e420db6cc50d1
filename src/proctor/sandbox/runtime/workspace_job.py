"""Workspace jobs: run pytest on a whole repository in a locked-down sandbox child.

Repository tests must run in the same interpreter as the code they test, so this
job kind runs pytest *in-process* in the child (seccomp forbids fork and exec
anyway). The zygote side (`run`) forks the child, relays what it writes, kills
it and reports how it ended. The child side (`_child`) locks itself down,
unpacks the archive the judge built into its private working directory, and
runs ``pytest.main`` with proctor's reporter as the only extra plugin.

Nothing here decides a grade: the judge checks every line for the per-run
secret, compares the collected tests with the pristine collection and checks
the canaries (``proctor.workspace._report``). Every line the child writes is
NDJSON and carries the secret (``"s"``):

  {"k":"start"}                          setup done; untrusted code may run from here
  {"k":"collect_error","path":P,"d":D}   a file or directory that failed to collect
  {"k":"collected","ids":[...]}          the test ids pytest is about to run
  {"k":"test","id":N,"o":O,"d":D}        one test's outcome: passed, failed, error,
                                         skipped, xfailed, xpassed or timeout
  {"k":"guard","v":[[K,W],...]}          plugins, hook implementations or reporter state
                                         changed by code outside pytest (finding kind K,
                                         what W; ``workspace_guard``), sent when first seen
  {"k":"end","exit":C,"changed":[...],"tail":T}
                                         pytest returned C; ``changed``: pytest internals
                                         found rebound since the start; ``tail``: the end
                                         of pytest's terminal output (for error messages)

A job with ``"cases"`` runs a task's held-out cases instead of pytest
(``workspace_calls``): calls in, plain data out, judged outside.

Stdlib only at import time (the zygote runs ``python -I -S``); pytest is imported
from the directory the judge names by the template, once, before any job runs.
A failed set-up is said on the child's status pipe (``child.report_setup``),
never on the report channel, which the code under test can reach.
"""

from __future__ import annotations

import base64
import gc
import importlib
import io
import json
import os
import pkgutil
import select
import signal
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

from . import child, workspace_calls
from .workspace_guard import Guard

_REAP_GRACE = 0.5  # seconds a child that closed its pipe gets to exit on its own
_MAX_DETAIL = 300
_MAX_TAIL = 2000  # characters of pytest's terminal output sent back, for error messages
# Modules whose bindings are fingerprinted in the zygote and again after each run.
_WATCHED = ("pytest", "_pytest", "pluggy")
# Rebound by pytest itself during an honest run (set per test, or lazily): not tampering.
_NOISY = frozenset(
    {
        "_pytest.assertion.util._reprcompare",
        "_pytest.assertion.util._assertion_pass",
        "_pytest.assertion.util._config",
        "_pytest.assertion.rewrite._assertion_pass",
        "_pytest.assertion.rewrite._reprcompare",
    }
)
_preloaded: list[str] = []
_baseline: dict[str, int] = {}  # pytest's bindings before any job ran (see _fingerprint)
_F = TypeVar("_F", bound=Callable[..., Any])


def preload(site_dirs: list[str]) -> None:
    """Import pytest and its built-in plugins into the zygote, once.

    Forked children then find them in ``sys.modules``: no file access (Landlock
    hides most of the filesystem) and no import cost per job. Only a zygote
    that serves workspace jobs does this, so function-level children never see
    pytest.
    """
    if _preloaded:
        return
    for path in site_dirs:
        if path not in sys.path:
            sys.path.append(path)
    config = importlib.import_module("_pytest.config")
    importlib.import_module("pytest")
    for name in config.default_plugins:
        importlib.import_module(f"_pytest.{name}")
    _import_closure(site_dirs)
    # Move everything imported so far out of the collector's reach: pytest calls
    # gc.collect() in every run, which would otherwise walk (and copy-on-write touch)
    # the whole inherited heap in each child.
    gc.freeze()
    # Taken once here: a forked child has the same objects at the same addresses.
    _baseline.update(_fingerprint())
    _preloaded.append("pytest")


def _import_closure(site_dirs: list[str]) -> None:
    """Import every submodule of the site packages pytest has loaded so far.

    pytest imports some of its own modules (and its dependencies') lazily, during
    a run; in the child the site directory may be out of reach (Landlock, or a
    private /tmp hiding a venv there), so the whole closure is loaded here.
    """
    roots = tuple(os.path.join(os.path.realpath(d), "") for d in site_dirs)
    tops = set()
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin and os.path.realpath(origin).startswith(roots):
            tops.add(name.split(".", 1)[0])
    for top in sorted(tops):
        package = sys.modules.get(top)
        path = getattr(package, "__path__", None)
        if path is None:
            continue
        for info in pkgutil.walk_packages(path, prefix=f"{top}.", onerror=lambda _: None):
            if info.name.split(".")[-1].startswith("__"):
                continue  # __main__ modules run things when imported
            try:
                importlib.import_module(info.name)
            except BaseException:  # optional extras (e.g. a missing third-party module)
                pass


# -- zygote side ---------------------------------------------------------------------


def run(zygote: Any, job: dict[str, Any], raw: bytes) -> tuple[dict[str, Any], bytes]:
    """Serve one ``{"op": "workspace"}`` request; return (header, raw report lines)."""
    if not _preloaded:  # pytest is imported by the template at start (``pytest_site``)
        return {"infra_error": "this sandbox worker was not started for workspace jobs"}, b""
    limits = job["limits"]
    started = time.monotonic()
    spawned = zygote.spawn(raw, {"workdir": zygote.workdir()})
    locked, setup_error = zygote.setup_error(spawned)
    body, timed_out, overflow = b"", False, False
    if locked:
        body, timed_out, overflow = _pump(
            spawned.result, started + float(limits["wall"]), int(limits["output_mb"]) << 20
        )
    ended = zygote.end(spawned, 0.0 if timed_out else _REAP_GRACE)
    if not locked:
        detail = setup_error or "the sandbox child died during its set-up"
        return {"infra_error": f"sandbox setup failed: {detail}"}, b""
    header = {
        "cpu_s": ended.cpu,
        "max_rss_kb": ended.rss,
        "wall_s": time.monotonic() - started,
        "timed_out": timed_out,
        "overflow": overflow,
        # exit status when the child ended by itself (negative: killed by that signal)
        "exit": None if ended.status is None else os.waitstatus_to_exitcode(ended.status),
    }
    return header, body


def _pump(fd: int, deadline: float, max_bytes: int) -> tuple[bytes, bool, bool]:
    """Read until EOF, the deadline or the output cap: (bytes, timed out, overflowed)."""
    out = bytearray()
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0:
            return bytes(out), True, False
        if not poller.poll(wait * 1000):
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return bytes(out), False, False
        out += chunk
        if len(out) > max_bytes:
            return bytes(out[:max_bytes]), False, True


# -- child side ----------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"[:_MAX_DETAIL]
    except BaseException:  # a hostile __str__
        return "exception"


def _emitter(fd: int, secret: str) -> Any:
    """A writer bound to references taken now: later patches of os or json change nothing."""
    write, dumps = os.write, json.dumps

    def emit(record: dict[str, Any]) -> None:
        record["s"] = secret
        data = memoryview((dumps(record, separators=(",", ":")) + "\n").encode())
        while data:
            data = data[write(fd, data) :]

    return emit


def _unpack(archive: str, workdir: str) -> None:
    """Extract the judge's archive; the ``data`` filter refuses links and paths that escape."""
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(archive)), mode="r:") as tar:
        tar.extractall(workdir, filter="data")


def child_main(
    job: dict[str, Any], fd: int, status_fd: int, workdir: str, hardening: dict[str, Any]
) -> NoReturn:
    """Lock down, unpack, run pytest with the reporter, exit. Never returns."""
    secret = str(job.pop("secret"))
    emit = _emitter(fd, secret)
    try:
        child.lock_down(
            (fd, status_fd),
            workdir,
            job["limits"],
            hardening,
            extra_read_only=list(job["read_only"]),
        )
        _unpack(job.pop("archive"), workdir)
        # the judge names paths relative to the workdir it never sees: "{workdir}/..."
        args = [str(a).replace("{workdir}", workdir) for a in job["args"]]
        _prepare_process(workdir, [os.path.join(workdir, p) for p in job["sys_path"]])
        os.chdir(os.path.join(workdir, job["cwd"]))
        pytest = sys.modules["pytest"]
        reporter = _make_reporter(pytest, emit, float(job["limits"]["test"]), workdir)
    except BaseException as exc:  # the sandbox failed, not the code: never run it
        child.report_setup(status_fd, _describe(exc))
        os._exit(3)
    child.report_setup(status_fd, None)  # closed before any code of the workspace runs
    emit({"k": "start"})
    del secret  # from here on only the emitter's closure holds it (best effort: see docs)
    if job.get("cases") is not None:  # held-out cases: no pytest, plain values out
        try:
            workspace_calls.run_cases(job, emit, float(job["limits"]["test"]))
        except BaseException:
            pass  # missing records fail; the judge reads only what was reported
        os._exit(0)
    # pytest's terminal output, kept for the judge's error messages (never for a verdict)
    sys.stdout = sys.stderr = terminal = io.StringIO()
    try:
        code = pytest.main(args, plugins=[reporter])
        reporter.finish(int(code), terminal.getvalue()[-_MAX_TAIL:])
    except BaseException:
        pass  # whatever happened, the judge reads only what was reported
    os._exit(0)


def _prepare_process(workdir: str, roots: list[str]) -> None:
    """Environment, temp dirs and import roots for the run, all inside the workdir."""
    tmp = os.path.join(workdir, ".tmp")
    os.makedirs(tmp, exist_ok=True)
    os.environ.clear()
    os.environ.update(
        {
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "TMPDIR": tmp,
            "HOME": tmp,
            "USER": "proctor",
            "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0",
        }
    )
    tempfile.tempdir = tmp  # the zygote cached its own /tmp: not writable here
    sys.dont_write_bytecode = True
    sys.path[:0] = roots


def _fingerprint() -> dict[str, int]:
    """Identity of every binding in pytest's modules and their classes (and code objects)."""
    marks: dict[str, int] = {"sys.modules[pytest]": id(sys.modules.get("pytest"))}
    for name, module in list(sys.modules.items()):
        if name.split(".", 1)[0] not in _WATCHED or module is None:
            continue
        marks[f"sys.modules[{name}]"] = id(module)
        for attr, value in list(vars(module).items()):
            _mark(marks, f"{name}.{attr}", value)
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                for member, inner in list(vars(value).items()):
                    _mark(marks, f"{name}.{attr}.{member}", inner)
    return marks


def _mark(marks: dict[str, int], key: str, value: Any) -> None:
    marks[key] = id(value)
    target = value.fget if isinstance(value, property) else value
    code = getattr(target, "__code__", None)
    if code is not None and type(code).__name__ == "code":
        marks[key + ".__code__"] = id(code)


def _changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """Keys rebound or removed since ``before`` (ignoring pytest's own churn).

    New keys are not listed: pytest imports some of its modules lazily.
    """
    keys = {k for k in before if after.get(k) != before[k]}
    return sorted(k for k in keys if k.removesuffix(".__code__") not in _NOISY)[:50]


class _TestTimeout(Exception):
    """Raised by the per-test alarm."""


def _make_reporter(pytest: Any, emit: Any, per_test: float, workdir: str) -> Any:
    """Build the reporter plugin (a class built here: hook markers need pytest imported)."""
    setitimer, timer = signal.setitimer, signal.ITIMER_REAL
    hookimpl = cast("Callable[..., Callable[[_F], _F]]", pytest.hookimpl)

    class Reporter:
        def __init__(self) -> None:
            self.phases: dict[str, list[Any]] = {}
            self.alarmed = False

        @hookimpl(tryfirst=True)
        def pytest_plugin_registered(self, plugin: Any, manager: Any) -> None:
            guard.registered(plugin, manager)

        def _alarm(self, signum: int, frame: Any) -> None:
            self.alarmed = True
            raise _TestTimeout(f"per-test time limit ({per_test:g} s) passed")

        def pytest_collectreport(self, report: Any) -> None:
            if report.failed:
                emit({"k": "collect_error", "path": str(report.nodeid), "d": _text(report)})

        @hookimpl(trylast=True)
        def pytest_collection_finish(self, session: Any) -> None:
            emit({"k": "collected", "ids": [str(item.nodeid) for item in session.items]})

        @hookimpl(tryfirst=True)
        def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
            self.alarmed = False
            signal.signal(signal.SIGALRM, self._alarm)
            setitimer(timer, per_test)

        def pytest_runtest_logreport(self, report: Any) -> None:
            self.phases.setdefault(str(report.nodeid), []).append(report)

        @hookimpl(trylast=True)
        def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
            setitimer(timer, 0)
            found = guard.check()  # before the record: a forged store or hook is named first
            if found:
                emit({"k": "guard", "v": found})
            outcome, detail = _outcome(self.phases.pop(str(nodeid), []))
            if self.alarmed:
                outcome, detail = "timeout", f"per-test time limit ({per_test:g} s) passed"
            emit({"k": "test", "id": str(nodeid), "o": outcome, "d": detail})

        def finish(self, code: int, tail: str) -> None:
            changed = _changed(_baseline, _fingerprint())
            found = guard.check()
            if found:
                emit({"k": "guard", "v": found})
            emit({"k": "end", "exit": code, "changed": changed, "tail": tail})

    reporter = Reporter()
    guard = Guard(workdir, reporter, emit)
    return reporter


def _text(report: Any) -> str:
    """The last meaningful line of a report's long text, shortened."""
    try:
        lines = [line for line in str(report.longreprtext).splitlines() if line.strip()]
    except BaseException:
        return "unprintable failure"
    return (lines[-1] if lines else "")[:_MAX_DETAIL]


def _outcome(reports: list[Any]) -> tuple[str, str]:
    """One outcome from a test's setup, call and teardown reports."""
    if not reports:
        return "error", "no report"
    for report in reports:
        if report.failed:
            return ("failed" if report.when == "call" else "error"), _text(report)
    calls = [r for r in reports if r.when == "call"]
    xfail = any(hasattr(r, "wasxfail") for r in reports)
    if calls and calls[0].passed:
        return ("xpassed" if xfail else "passed"), ""
    return ("xfailed" if xfail else "skipped"), _text(reports[-1])
