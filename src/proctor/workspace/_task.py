"""Workspace tasks: a directory with a manifest, the pristine repository and held-out tests.

Layout (see docs/workspace.md)::

    TASK/
      task.toml     # the manifest (fields: `WorkspaceTask`)
      workspace/    # the pristine repository the agent starts from
      heldout/      # held-out pytest files; never copied into a workspace

The task directory is trusted (as task files are for function-level grading);
it is still read with the same careful reader as rollouts.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from proctor.workspace._cases import CASES_FILE, Cases, parse_cases
from proctor.workspace._files import (
    Files,
    InputLimits,
    RolloutError,
    TaskError,
    read_tree,
    safe_relpath,
)

MANIFEST = "task.toml"
DEFAULT_TEST_GLOBS = ["tests/**", "**/test_*.py", "**/*_test.py"]
"""Files that count as tests when a manifest does not say (pytest's default names)."""


class WorkspaceLimits(BaseModel):
    """Limits for one pytest run of a workspace (the visible and held-out runs each get them)."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid", frozen=True)

    wall: float = Field(default=60.0, gt=0)
    """Wall-clock seconds for one pytest run, collection included."""
    test: float = Field(default=10.0, gt=0)
    """Seconds for one test before it is failed as a timeout."""
    memory_mb: int = Field(default=1024, ge=128)
    """Address-space cap (RLIMIT_AS) in MiB."""
    file_mb: int = Field(default=16, ge=1)
    """Largest file the code may write, MiB."""


class WorkspaceTask(BaseModel):
    """A repository-level task: pytest on the agent's edited workspace decides the reward."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    """Task id (also the `Grade.task_id`)."""
    description: str = ""
    """What the agent is asked to do (free text, for people and prompts)."""
    import_roots: list[str] = Field(default_factory=lambda: ["."])
    """Directories (relative to the workspace) put first on ``sys.path``, like pytest's
    ``pythonpath`` option; e.g. ``["src"]`` for a src layout."""
    testpaths: list[str] = Field(default_factory=lambda: ["tests"])
    """Where the visible tests are collected from (the workspace's own pytest
    configuration is never read: it is the agent's to edit)."""
    tests: list[str] = Field(default_factory=lambda: list(DEFAULT_TEST_GLOBS))
    """Globs (``**`` spans directories) of the files that are tests or test fixtures:
    restored from the pristine copy before every run. ``testpaths`` directories,
    every ``conftest.py`` and pytest's configuration files are always protected."""
    protected: list[str] = Field(default_factory=list)
    """More globs to restore from the pristine copy (e.g. golden data the tests read)."""
    pytest: dict[str, str | list[str]] = Field(default_factory=dict)
    """Options written into the ini file proctor gives pytest (``markers``,
    ``python_files``, ``filterwarnings``...)."""
    limits: WorkspaceLimits = Field(default_factory=WorkspaceLimits)
    """Time and memory for each pytest run."""

    _root: Path = PrivateAttr(default=Path("."))
    _pristine: Files = PrivateAttr(default_factory=dict)
    _heldout: Files = PrivateAttr(default_factory=dict)
    _cases: Cases | None = PrivateAttr(default=None)

    @field_validator("import_roots", "testpaths")
    @classmethod
    def _relative(cls, values: list[str]) -> list[str]:
        clean = []
        for value in values:
            try:
                clean.append("." if value in (".", "./") else safe_relpath(value))
            except RolloutError as exc:
                raise ValueError(str(exc)) from None
        return clean

    @property
    def root(self) -> Path:
        """The task directory."""
        return self._root

    @property
    def pristine(self) -> Files:
        """The repository the agent starts from (read-only by convention: copy before editing)."""
        return self._pristine

    @property
    def heldout(self) -> Files:
        """Held-out test files, relative to ``heldout/``; empty when the task has none."""
        return self._heldout

    @property
    def has_heldout(self) -> bool:
        """Whether the task has held-out pytest files."""
        return any(path.endswith(".py") for path in self._heldout)

    @property
    def cases(self) -> Cases | None:
        """The held-out cases (``heldout/cases.toml``): split-trust gold; None without."""
        if self._cases is None and CASES_FILE in self._heldout:
            where = str(self._root / "heldout" / CASES_FILE)
            self._cases = parse_cases(self._heldout[CASES_FILE].decode("utf-8", "replace"), where)
        return self._cases

    def digest(self) -> str:
        """A hash of the manifest and every file: the cache key for the pristine collection."""
        h = hashlib.sha256(self.model_dump_json().encode())
        for label, files in (("w", self._pristine), ("h", self._heldout)):
            for path in sorted(files):
                h.update(f"{label}\0{path}\0{len(files[path])}\0".encode())
                h.update(files[path])
        return h.hexdigest()[:20]


def load_task(task_dir: Path, limits: InputLimits | None = None) -> WorkspaceTask:
    """Read ``task_dir`` (manifest, pristine workspace, held-out tests). Raises TaskError."""
    task_dir = Path(task_dir)
    manifest = task_dir / MANIFEST
    if not manifest.is_file():
        raise TaskError(f"{task_dir} is not a workspace task: it has no {MANIFEST}")
    try:
        data: dict[str, Any] = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaskError(f"{manifest}: not valid TOML: {exc}") from exc
    try:
        task = WorkspaceTask.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise TaskError(f"{manifest}: {problems}") from None
    limits = limits or InputLimits()
    if not (task_dir / "workspace").is_dir():
        raise TaskError(f"{task_dir}: missing the workspace/ directory (the pristine repository)")
    task._root = task_dir.resolve()
    task._pristine = read_tree(task_dir / "workspace", limits, TaskError)
    heldout_dir = task_dir / "heldout"
    task._heldout = read_tree(heldout_dir, limits, TaskError) if heldout_dir.is_dir() else {}
    _ = task.cases  # a malformed cases.toml is an error now, not at the first grade
    for path in task.testpaths:
        if path not in task._pristine and not any(p.startswith(path + "/") for p in task._pristine):
            raise TaskError(f"{manifest}: testpaths entry {path!r} is not in workspace/")
    return task


def compile_globs(patterns: list[str]) -> re.Pattern[str]:
    """One regex for several globs: ``*`` and ``?`` stay within a directory, ``**`` spans them."""
    parts = []
    for pattern in patterns:
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        parts.append(regex)
    return re.compile("^(?:" + "|".join(parts) + ")$" if parts else "(?!)")


__all__ = [
    "DEFAULT_TEST_GLOBS",
    "MANIFEST",
    "WorkspaceLimits",
    "WorkspaceTask",
    "compile_globs",
    "load_task",
]
