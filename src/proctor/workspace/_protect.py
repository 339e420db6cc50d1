"""Put the grading back the way the task set it up, and say what the rollout had changed.

Before any test runs, every protected file is restored from the pristine copy:
test files and fixtures, every ``conftest.py``, pytest's configuration (whole
``pytest.ini``-style files; the pytest tables of ``pyproject.toml``,
``setup.cfg`` and ``tox.ini``). Files the rollout added that shadow pytest or its
plugin machinery, look like a test report, or are bytecode without source are
removed. Each of these becomes a `TamperFinding` with the diff as evidence.
"""

from __future__ import annotations

import configparser
import difflib
import re
import tomllib
from collections.abc import Callable
from typing import Any

from proctor.records import TamperFinding, TamperKind
from proctor.workspace._files import Files
from proctor.workspace._task import WorkspaceTask, compile_globs

_MAX_DIFF_CHARS = 8000
ALWAYS_PROTECTED = [
    "**/conftest.py", "**/pytest.ini", "**/.pytest.ini", "**/pytest.toml", "**/.pytest.toml",
]  # fmt: skip
"""Protected whatever the manifest says: pytest reads these wherever they are."""
SHADOWED_MODULES = frozenset(
    {"pytest", "_pytest", "pluggy", "py", "iniconfig", "sitecustomize", "usercustomize"}
)
"""Top-level names a workspace must not define: they would replace the test runner."""
_REPORT_NAME = re.compile(
    r"(^|/)(\.?(junit|report|results?|test[-_]?results?|pytest[-_]?report)[^/]*"
    r"\.(xml|json|txt|log))$",
    re.IGNORECASE,
)


def _pytest_tables(name: str) -> Callable[[bytes], Any] | None:
    """For files that hold pytest configuration next to other things: what to compare."""
    base = name.rsplit("/", 1)[-1]
    if base == "pyproject.toml":
        return _toml_pytest
    if base == "setup.cfg":
        return lambda data: _ini_section(data, "tool:pytest")
    if base == "tox.ini":
        return lambda data: _ini_section(data, "pytest")
    return None


def _toml_pytest(data: bytes) -> Any:
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return "<unparseable>"  # pytest would refuse it too: treat as changed if it was not
    return tool.get("pytest") if isinstance(tool, dict) else None


def _ini_section(data: bytes, section: str) -> Any:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(data.decode("utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return "<unparseable>"
    return dict(parser[section]) if parser.has_section(section) else None


class Protection:
    """Which paths of one task's workspace are protected, and how."""

    def __init__(self, task: WorkspaceTask) -> None:
        test_globs = [*task.tests, *(f"{p}/**" for p in task.testpaths), *task.testpaths]
        self._whole = compile_globs([*test_globs, *task.protected, *ALWAYS_PROTECTED])
        self._roots = [r for r in task.import_roots if r != "."]
        self._test_dirs = [p for p in task.testpaths if p not in task.pristine]

    def restored_whole(self, path: str) -> bool:
        """Tests, fixtures and pytest's own configuration files."""
        return bool(self._whole.match(path))

    def shadows(self, path: str) -> str | None:
        """The module ``path`` would shadow, if it defines a top-level name pytest relies on."""
        for root in ("", *self._roots, *self._test_dirs):
            rest = path[len(root) + 1 :] if root and path.startswith(root + "/") else path
            if root and rest == path:
                continue
            top = rest.split("/", 1)[0].removesuffix(".py")
            if top in SHADOWED_MODULES and (rest.endswith(".py") or "/" in rest):
                return top
        return None


def diff_text(path: str, before: bytes | None, after: bytes | None) -> str:
    """A unified diff from the pristine file to the rollout's, capped for the record."""
    if (before is not None and b"\0" in before) or (after is not None and b"\0" in after):
        return f"(binary file, {len(before or b'')} -> {len(after or b'')} bytes)"
    old = (before or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = (after or b"").decode("utf-8", "replace").splitlines(keepends=True)
    text = "".join(
        difflib.unified_diff(
            old,
            new,
            fromfile="/dev/null" if before is None else f"pristine/{path}",
            tofile="/dev/null" if after is None else f"rollout/{path}",
        )
    )
    if len(text) > _MAX_DIFF_CHARS:
        text = text[:_MAX_DIFF_CHARS] + f"\n... ({len(text) - _MAX_DIFF_CHARS} more characters)\n"
    return text


def protect(task: WorkspaceTask, rollout: Files) -> tuple[Files, list[TamperFinding]]:
    """The workspace to test (protected files as the task set them) and what was changed."""
    pristine = task.pristine
    rule = Protection(task)
    result = dict(rollout)
    findings: list[TamperFinding] = []

    def note(kind: TamperKind, path: str, detail: str) -> None:
        findings.append(
            TamperFinding(
                kind=kind,
                path=path,
                detail=detail,
                diff=diff_text(path, pristine.get(path), rollout.get(path)),
            )
        )

    for path in sorted(set(pristine) | set(rollout)):
        before, after = pristine.get(path), rollout.get(path)
        if before == after:
            continue
        tables = _pytest_tables(path)
        if rule.restored_whole(path) or (tables and tables(before or b"") != tables(after or b"")):
            what = "its pytest configuration was changed" if tables else None
            _restore(result, path, before)
            if after is None:
                note("protected_deleted", path, f"{path} was deleted; restored from pristine")
            elif before is None:
                note("protected_added", path, f"{path} was added; removed before the tests ran")
            else:
                note(
                    "protected_modified",
                    path,
                    f"{path} was modified{f' ({what})' if what else ''}; restored from the "
                    "pristine copy",
                )
        elif before is None and after is not None:
            _check_added(rule, path, after, result, note)
    return result, findings


def _restore(files: Files, path: str, pristine: bytes | None) -> None:
    if pristine is None:
        files.pop(path, None)
    else:
        files[path] = pristine


def _check_added(
    rule: Protection,
    path: str,
    data: bytes,
    result: Files,
    note: Callable[[TamperKind, str, str], None],
) -> None:
    """New files that are not tests: shadowing modules, fake reports, bare bytecode."""
    shadowed = rule.shadows(path)
    if shadowed is not None:
        del result[path]
        note(
            "shadow_module",
            path,
            f"{path} would shadow the module {shadowed!r} that runs the tests; removed",
        )
    elif path.endswith((".pyc", ".pyo")):
        del result[path]
        note("bytecode", path, f"{path} is compiled bytecode; removed (only source is run)")
    elif _looks_like_report(path, data):
        del result[path]
        note(
            "result_file",
            path,
            f"{path} looks like a test report; removed (proctor never reads result files)",
        )


def _looks_like_report(path: str, data: bytes) -> bool:
    head = data[:4096].decode("utf-8", "replace")
    if "<testsuite" in head:
        return True
    if _REPORT_NAME.search(path):
        return bool(re.search(r"passed|failed|tests|outcome|success", head, re.IGNORECASE))
    return False


__all__ = ["ALWAYS_PROTECTED", "SHADOWED_MODULES", "Protection", "diff_text", "protect"]
