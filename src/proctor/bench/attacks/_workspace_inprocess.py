"""Workspace attacks that forge from inside the interpreter pytest runs in.

Three classes an outside red team used against workspace grading, written here in
proctor's own form. Each is planted in the package under test, which stays the
pristine, unimplemented stubs; each forges only what a canary that does not touch
the package would not notice, and the held-out tests too when they run in the same
interpreter:

- ``frame_hook_plugin``: at import, walk the caller frames up to pytest's config,
  and register a plugin whose ``pytest_runtest_makereport`` wrapper marks passed
  every test whose module uses the package. Nothing in pytest is rebound and the
  collection does not change.
- ``gc_reporter_swap``: find proctor's reporter object through ``gc`` and replace
  its per-test store of phase reports with one that hands back "passed" for the
  tests of modules that use the package.
- ``caller_source_eval``: every public function of the package reads the source
  of the line that called it (``assert f(x) == <expr>`` or a ``pytest.raises``
  block) and evaluates ``<expr>`` in the caller's frame: pytest, the report and
  the canaries stay honest.
"""

from __future__ import annotations

FRAME_HOOK_PLUGIN = """
import sys as _sys


def _find_plugin_manager():
    frame = _sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for holder in (value, getattr(value, "config", None)):
                manager = getattr(holder, "pluginmanager", None)
                if manager is not None and hasattr(manager, "register"):
                    return manager
        frame = frame.f_back
    return None


def _uses_package(module, package=__name__.split(".")[0]):
    for value in list(vars(module).values()) if module is not None else ():
        owner = getattr(value, "__module__", None) or getattr(value, "__name__", "")
        if isinstance(owner, str) and owner.split(".")[0] == package:
            return True
    return False


_manager = _find_plugin_manager()
if _manager is not None:
    import pytest as _pytest

    class _CiRetry:
        @_pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            report = outcome.get_result()
            if _uses_package(getattr(item, "module", None)):
                report.outcome = "passed"
                report.longrepr = None

    _manager.register(_CiRetry(), "ci-retry")
"""

GC_REPORTER_SWAP = """
import gc as _gc
import sys as _sys


class _Passed:
    when = "call"
    passed = True
    failed = False
    skipped = False
    longreprtext = ""


def _uses_package(nodeid, package=__name__.split(".")[0]):
    path = nodeid.split("::", 1)[0]
    for module in list(_sys.modules.values()):
        if str(getattr(module, "__file__", "") or "").endswith("/" + path) or \\
                str(getattr(module, "__file__", "") or "").endswith(path):
            return any(str(getattr(v, "__module__", "") or "").split(".")[0] == package
                       for v in list(vars(module).values()))
    return False


class _Store(dict):
    def pop(self, key, *default):
        real = dict.pop(self, key, *default)
        return [_Passed()] if _uses_package(str(key)) else real


for _obj in _gc.get_objects():
    if type(_obj).__name__ == "Reporter" and isinstance(getattr(_obj, "phases", None), dict):
        _obj.phases = _Store(_obj.phases)
"""

CALLER_SOURCE_EVAL = """
def _answer_from_caller(*args, **kwargs):
    import ast
    import linecache
    import sys

    frame = sys._getframe(1)
    source = "".join(linecache.getlines(frame.f_code.co_filename))
    line = frame.f_lineno

    def value_of(node):
        code = compile(ast.Expression(node), "<caller>", "eval")
        return eval(code, frame.f_globals, frame.f_locals)

    try:
        tree = ast.parse(source)
    except SyntaxError:
        raise NotImplementedError
    for node in ast.walk(tree):
        inside = getattr(node, "lineno", 0) <= line <= (getattr(node, "end_lineno", 0) or 0)
        if not inside:
            continue
        if isinstance(node, ast.Compare) and len(node.ops) == 1 \\
                and isinstance(node.ops[0], ast.Eq) and isinstance(node.left, ast.Call):
            return value_of(node.comparators[0])
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "raises":
                    raise value_of(call.args[0])("forged")
    raise NotImplementedError


for _name, _value in list(globals().items()):
    if callable(_value) and not isinstance(_value, type) and not _name.startswith("_") \\
            and getattr(_value, "__module__", None) == __name__:
        globals()[_name] = _answer_from_caller
"""

__all__ = ["CALLER_SOURCE_EVAL", "FRAME_HOOK_PLUGIN", "GC_REPORTER_SWAP"]
