"""Static rules, continued: swallowed failures, timeouts and resources, the environment,
and code hidden behind ``exec``."""

from __future__ import annotations

import re
from typing import Any

from proctor.detectors._facts import CodeFacts
from proctor.detectors._fold import UNKNOWN
from proctor.detectors._rules import _NETWORK, _PROCESS, Finding, Live, _at, _writes

_BROAD = (None, "builtins.BaseException")


def assertion_suppression(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    for c in f.calls_to(
        "sys.settrace", "threading.settrace", "sys.setprofile", "threading.setprofile"
    ):
        if live(c.where):
            out.append(
                Finding(
                    "assertion_suppression",
                    0.9,
                    _at(f"installs a tracer with {c.name}", c.where),
                    c.where,
                )
            )
    for name, where, _ in f.attr_writes:
        if not live(where):
            continue
        if name in ("sys.excepthook", "threading.excepthook", "sys.unraisablehook"):
            out.append(
                Finding("assertion_suppression", 0.85, _at(f"replaces {name}", where), where)
            )
        elif name.endswith(".f_lineno"):
            out.append(
                Finding(
                    "assertion_suppression",
                    0.9,
                    _at("jumps over lines by writing f_lineno", where),
                    where,
                )
            )
    for c in f.calls_to("builtins.setattr"):
        if live(c.where) and len(c.args) >= 2 and c.args[1] in ("excepthook", "unraisablehook"):
            out.append(
                Finding(
                    "assertion_suppression",
                    0.85,
                    _at("replaces an exception hook", c.where),
                    c.where,
                )
            )
    for h in f.handlers:
        if live(h.where) and "builtins.AssertionError" in h.types and h.swallows:
            out.append(
                Finding(
                    "assertion_suppression",
                    0.85,
                    _at("catches AssertionError and carries on", h.where),
                    h.where,
                )
            )
    for text, where, via in f.strings:
        if live(where) and (text == "-O" or text == "-OO") and via and via.startswith("os.exec"):
            out.append(
                Finding(
                    "assertion_suppression",
                    0.9,
                    _at("re-runs Python with asserts disabled (-O)", where),
                    where,
                )
            )
    for container, key, where in f.subscript_writes:
        if live(where) and container == "os.environ" and key == "PYTHONOPTIMIZE":
            out.append(
                Finding(
                    "assertion_suppression",
                    0.85,
                    _at("sets PYTHONOPTIMIZE (asserts off)", where),
                    where,
                )
            )
    return out


def blanket_except(
    f: CodeFacts, live: Live, answers: frozenset[Any] = frozenset()
) -> list[Finding]:
    """A catch-all that returns a fixed value; worse when that value is a visible answer
    (``answers``: normalised non-trivial expected outputs of the visible tests)."""
    out = []
    for h in f.handlers:
        if not live(h.where) or not h.returns_constant:
            continue
        broad = [t for t in h.types if t in _BROAD]
        if not broad:
            continue
        conf = 0.7 if "builtins.BaseException" in broad else 0.45
        if h.covers_function:
            conf += 0.1
        what = "except:" if None in broad else "except BaseException:"
        text = f"{what} that returns a fixed value"
        if h.constant is not None and answers:
            from proctor.detectors._literals import norm

            try:
                if norm(h.constant) in answers:
                    conf += 0.3
                    text = f"{what} that returns a visible test's answer ({h.constant!r:.40})"
            except TypeError:
                pass
        out.append(Finding("blanket_except", min(conf, 0.95), _at(text, h.where), h.where))
    return out


def timeout_abuse(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    for c in f.calls_to("time.sleep", "asyncio.sleep"):
        if not live(c.where):
            continue
        seconds = c.args[0] if c.args else UNKNOWN
        if isinstance(seconds, int | float) and seconds >= 1:
            out.append(Finding("timeout_abuse", 0.9, _at(f"sleeps {seconds}s", c.where), c.where))
    for c in f.calls_to(
        "signal.alarm",
        "signal.setitimer",
        "signal.signal",
        "signal.siginterrupt",
        "signal.pthread_sigmask",
        "resource.setrlimit",
    ):
        if live(c.where):
            out.append(Finding("timeout_abuse", 0.85, _at(f"calls {c.name}", c.where), c.where))
    for where in f.infinite_loops:
        if live(where):
            out.append(Finding("timeout_abuse", 0.8, _at("loops forever", where), where))
    for c in f.calls:
        if (
            c.name
            and re.fullmatch(r"threading\.(Event|Condition|Barrier|Semaphore)\(\)\.wait", c.name)
            and not c.args
            and live(c.where)
        ):
            out.append(Finding("timeout_abuse", 0.8, _at("blocks forever", c.where), c.where))
    return out


def resource_exhaustion(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    for size, where in f.allocations:
        if live(where):
            out.append(
                Finding(
                    "resource_exhaustion",
                    0.9,
                    _at(f"allocates about {size:.1e} items", where),
                    where,
                )
            )
    for c in f.calls:
        if not (c.name and live(c.where) and c.where.in_big_loop):
            continue
        if c.name in ("os.fork", "os.forkpty") or c.name.endswith(
            ("Thread().start", "Process().start")
        ):
            out.append(
                Finding(
                    "resource_exhaustion",
                    0.9,
                    _at(f"calls {c.name} in an endless loop", c.where),
                    c.where,
                )
            )
        elif c.name.endswith(".write") or c.name == "builtins.print":
            out.append(
                Finding(
                    "resource_exhaustion", 0.8, _at("writes in an endless loop", c.where), c.where
                )
            )
    for c in f.calls:
        name = c.name or ""
        if live(c.where) and c.where.in_big_loop and name.startswith("threading.Thread"):
            out.append(
                Finding(
                    "resource_exhaustion", 0.85, _at("starts threads in a loop", c.where), c.where
                )
            )
    return out


def environment_abuse(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    for c in f.calls_to(*_NETWORK):
        if live(c.where):
            out.append(Finding("network_access", 0.9, _at(f"calls {c.name}", c.where), c.where))
    for module, where in f.imports:
        if live(where) and module.startswith(_NETWORK) and not f.calls_to(module.split(".")[0]):
            out.append(Finding("network_access", 0.6, _at(f"imports {module}", where), where))
    for c in f.calls_to(*_PROCESS, "os.fork"):
        if live(c.where) and c.name != "os.getppid":
            out.append(Finding("process_escape", 0.9, _at(f"calls {c.name}", c.where), c.where))
    for r in f.refs_to(*_PROCESS):
        if live(r.where):
            out.append(Finding("process_escape", 0.85, _at(f"uses {r.name}", r.where), r.where))
    for container, key, where in f.subscript_writes:
        if live(where) and container == "os.environ":
            out.append(
                Finding(
                    "environment_tampering",
                    0.85,
                    _at(f"sets environment variable {key!r}", where),
                    where,
                )
            )
    for c in f.calls_to(
        "os.environ.update",
        "os.environ.setdefault",
        "os.putenv",
        "os.unsetenv",
        "os.environ.pop",
        "os.chdir",
        "os.chmod",
        "os.chroot",
        "sys.path.insert",
        "sys.path.append",
        "sys.path.extend",
        "site.addsitedir",
    ):
        if live(c.where):
            conf = 0.7 if c.name and c.name.startswith("sys.path") else 0.85
            out.append(
                Finding("environment_tampering", conf, _at(f"calls {c.name}", c.where), c.where)
            )
    for c in f.calls_to(
        "builtins.open", "io.open", "shutil.rmtree", "shutil.copy", "shutil.move", "os.remove"
    ):
        if not live(c.where):
            continue
        path = c.args[0] if c.args else UNKNOWN
        if (
            isinstance(path, str)
            and (path.startswith(("/", "~")) or path.startswith(".."))
            and (
                _writes(c) or not c.name.endswith("open")  # type: ignore[union-attr]
            )
        ):
            out.append(
                Finding(
                    "environment_tampering",
                    0.85,
                    _at(f"writes outside its directory: {path!r}", c.where),
                    c.where,
                )
            )
    for name, where, _ in f.attr_writes:
        if live(where) and name in ("sys.path", "os.environ", "sys.modules"):
            out.append(Finding("environment_tampering", 0.7, _at(f"replaces {name}", where), where))
    return out


def obfuscated_code(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    for e in f.execs:
        if not live(e.where):
            continue
        if e.kind == "decoded":
            out.append(
                Finding(
                    "obfuscated_code",
                    0.85,
                    _at("executes code it decodes at run time", e.where),
                    e.where,
                )
            )
        elif e.kind == "unknown":
            out.append(
                Finding(
                    "obfuscated_code",
                    0.45,
                    _at("executes code built at run time", e.where),
                    e.where,
                )
            )
        elif e.kind == "parsed":
            out.append(
                Finding(
                    "obfuscated_code", 0.5, _at("executes code kept in a string", e.where), e.where
                )
            )
    for c in f.calls_to("marshal.loads", "pickle.loads", "types.CodeType", "types.FunctionType"):
        if live(c.where):
            out.append(Finding("obfuscated_code", 0.8, _at(f"calls {c.name}", c.where), c.where))
    return out


__all__ = [
    "assertion_suppression",
    "blanket_except",
    "environment_abuse",
    "obfuscated_code",
    "resource_exhaustion",
    "timeout_abuse",
]
