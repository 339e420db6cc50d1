"""Tripwires in a workspace pytest run: plugins, hook implementations, the reporter.

The code under test runs in pytest's interpreter, so it can reach pytest's plugin
manager (through frames or ``gc``) and proctor's reporter. These checks, made
before each test's record is sent and at the end, name what changed:

- **plugins**: every plugin registered after proctor's reporter must be pytest's
  own (its class defined in pytest's files) or a ``conftest.py`` of the run's
  directory (the task's, restored by the judge). Anything else, e.g. a plugin
  object the package registered at import, is named.
- **hook implementations**: every function implementing a hook must come from
  pytest's or pluggy's files, a ``conftest.py`` of the run, or this reporter: a
  hook implementation slipped into a hook's list without registering is named.
- **reporter**: the reporter's per-test store, its methods and its emitter must
  be the objects they were at the start.

A tripwire, not a wall (docs/threat-model.md, "What an in-process run can and
cannot guarantee"): code that finds these checks can undo its changes before a
check, or patch the checks themselves.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_MAX_NAMES = 20


def _files_of(modules: tuple[str, ...]) -> tuple[str, ...]:
    roots = []
    for name in modules:
        module = sys.modules.get(name)
        for path in getattr(module, "__path__", None) or ():
            roots.append(os.path.realpath(path) + os.sep)
        origin = getattr(module, "__file__", None)
        if origin and not getattr(module, "__path__", None):
            roots.append(os.path.realpath(origin))
    return tuple(roots)


class Guard:
    """Watches one run's plugin manager and reporter (see module docstring)."""

    def __init__(self, workdir: str, reporter: Any, emit: Any) -> None:
        self.workdir = os.path.realpath(workdir) + os.sep
        self.trusted = (
            *_files_of(("_pytest", "pytest", "pluggy")),
            os.path.realpath(__file__),
            os.path.realpath(sys.modules[type(reporter).__module__].__file__ or ""),
        )
        self.manager: Any = None
        self.reporter = reporter
        self.violations: list[list[str]] = []  # [kind, what], kind as in TamperKind
        self.reported = 0  # violations already sent to the judge
        self._reporter_marks = self._reporter_state()
        self._emit = emit
        self._emit_marks = (id(emit), id(getattr(emit, "__code__", None)))
        self._impls_seen: tuple[int, ...] = ()

    # -- what counts as trusted ------------------------------------------------------
    def _trusted_file(self, filename: str) -> bool:
        path = os.path.realpath(filename)
        if path.startswith(self.workdir) and os.path.basename(path) == "conftest.py":
            return True
        return any(path == t or (t.endswith(os.sep) and path.startswith(t)) for t in self.trusted)

    def _trusted_plugin(self, plugin: Any) -> bool:
        if plugin is self.reporter:
            return True
        if type(plugin).__name__ == "module":
            return self._trusted_file(str(getattr(plugin, "__file__", "") or ""))
        module = sys.modules.get(type(plugin).__module__)
        return module is not None and self._trusted_file(str(getattr(module, "__file__", "")))

    # -- the checks ------------------------------------------------------------------
    def registered(self, plugin: Any, manager: Any) -> None:
        """``pytest_plugin_registered``: note the manager, name an untrusted plugin."""
        self.manager = manager
        if not self._trusted_plugin(plugin):
            self._violate(
                "plugin_registered",
                f"plugin {type(plugin).__module__}.{type(plugin).__qualname__} "
                "registered by code outside pytest and the task's conftests",
            )

    def check(self) -> list[list[str]]:
        """Check hook implementations and the reporter's state now; return what is new."""
        try:
            self._check_hooks()
            if self._reporter_state() != self._reporter_marks:
                self._violate(
                    "reporter_tampered",
                    "proctor's reporter was altered (its store, methods or class)",
                )
            if (id(self._emit), id(getattr(self._emit, "__code__", None))) != self._emit_marks:
                self._violate("reporter_tampered", "proctor's report emitter was altered")
        except Exception as exc:  # a check that cannot run is itself a finding
            self._violate(
                "reporter_tampered", f"the integrity check could not run: {type(exc).__name__}"
            )
        new = self.violations[self.reported :]
        self.reported = len(self.violations)
        return new

    def _check_hooks(self) -> None:
        if self.manager is None:
            return
        impls = []
        for caller in list(vars(self.manager.hook).values()):
            get = getattr(caller, "get_hookimpls", None)
            if get is not None:
                impls.extend(get())
        seen = tuple(id(i.function) for i in impls)
        if seen == self._impls_seen:
            return  # unchanged since the last check: nothing new to look at
        self._impls_seen = seen
        for impl in impls:
            code = getattr(impl.function, "__code__", None)
            if code is None or not self._trusted_file(code.co_filename):
                self._violate(
                    "plugin_registered",
                    f"hook implementation {impl.function.__qualname__} "
                    f"({os.path.basename(getattr(code, 'co_filename', '?'))}) "
                    "added by code outside pytest and the task's conftests",
                )

    def _reporter_state(self) -> tuple[Any, ...]:
        reporter = self.reporter
        cls = type(reporter)
        methods = tuple(
            sorted(
                (name, id(getattr(v, "__code__", v)))
                for name, v in vars(cls).items()
                if callable(v)
            )
        )
        store = vars(reporter).get("phases")
        return (id(cls), methods, id(store), type(store) is dict, tuple(sorted(vars(reporter))))

    def _violate(self, kind: str, what: str) -> None:
        if [kind, what] not in self.violations and len(self.violations) < _MAX_NAMES:
            self.violations.append([kind, what])


__all__ = ["Guard"]
