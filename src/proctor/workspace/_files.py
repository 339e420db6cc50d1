"""A workspace as plain data: relative POSIX path -> bytes, read from hostile input safely.

Every form a rollout takes (directory, tarball, diff) ends up as `Files`, and
only `Files` reach the sandbox (packed into an archive the judge builds). The
checks here are for the *host*: paths that escape the root, links that point
outside it, special files, and sizes meant to exhaust memory or disk.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

Files = dict[str, bytes]
"""A workspace: POSIX path relative to its root -> file content."""

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".hypothesis", "__pycache__", "node_modules"}
)  # fmt: skip
"""Tool and VCS state, never part of a graded workspace. ``__pycache__`` goes too:
stale or forged bytecode next to its source would be imported instead of it."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class WorkspaceInputError(ValueError):
    """A task or rollout that cannot be graded safely: the message says which file and why."""


class TaskError(WorkspaceInputError):
    """A task directory or its manifest is invalid."""


class RolloutError(WorkspaceInputError):
    """A rollout (directory, tarball or diff) is invalid or hostile."""


@dataclass(frozen=True)
class InputLimits:
    """Caps on what a rollout may contain (hostile input must not exhaust the host)."""

    max_file_bytes: int = 4 << 20
    max_total_bytes: int = 64 << 20
    max_files: int = 5000
    max_path_chars: int = 255
    max_depth: int = 32


DEFAULT_LIMITS = InputLimits()


def safe_relpath(name: str, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """``name`` as a clean relative POSIX path; RolloutError if it could escape the root."""
    if not name or _CONTROL.search(name):
        raise RolloutError(f"invalid path {name!r}: empty or has control characters")
    if name.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", name):
        raise RolloutError(f"absolute path {name!r} is not allowed")
    if "\\" in name:
        raise RolloutError(f"path {name!r} has a backslash; use '/' separators")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise RolloutError(f"path {name!r} escapes the workspace ('..')")
    if not parts:
        raise RolloutError(f"path {name!r} names the workspace root, not a file")
    clean = "/".join(parts)
    if len(clean) > limits.max_path_chars or len(parts) > limits.max_depth:
        raise RolloutError(f"path {clean[:80]!r}... is too long or too deep")
    return clean


class Budget:
    """Counts files and bytes as they are read; raises once a cap is passed."""

    def __init__(self, limits: InputLimits, what: str) -> None:
        self.limits = limits
        self.what = what
        self.files = 0
        self.bytes = 0

    def take(self, path: str, size: int) -> None:
        """Account for one file of ``size`` bytes (before reading it)."""
        self.files += 1
        self.bytes += size
        if size > self.limits.max_file_bytes:
            raise RolloutError(
                f"{self.what}: {path} is {size} bytes, over the "
                f"{self.limits.max_file_bytes}-byte limit per file"
            )
        if self.files > self.limits.max_files:
            raise RolloutError(f"{self.what}: more than {self.limits.max_files} files")
        if self.bytes > self.limits.max_total_bytes:
            raise RolloutError(f"{self.what}: more than {self.limits.max_total_bytes} bytes in all")


def read_tree(
    root: Path,
    limits: InputLimits = DEFAULT_LIMITS,
    error: type[WorkspaceInputError] = RolloutError,
) -> Files:
    """Read a directory tree into `Files`, refusing what could reach outside ``root``.

    Symbolic links to files inside the tree are read as copies of their target;
    links that leave the tree, links to directories, and special files (devices,
    FIFOs, sockets) are refused.
    """
    if not root.is_dir():
        raise error(f"{root} is not a directory")
    real_root = root.resolve()
    budget = Budget(limits, str(root))
    files: Files = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            if name in SKIPPED_DIRS:
                continue
            if (here / name).is_symlink():
                _check_link(here / name, real_root, root, error)
                raise error(
                    f"{_rel(here / name, root)} is a symbolic link to a directory; "
                    "links to directories are not supported"
                )
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            rel = safe_relpath(_rel(path, root), limits)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = _check_link(path, real_root, root, error)
                info = target.stat()
                if not stat.S_ISREG(info.st_mode):
                    raise error(f"{rel} links to something that is not a regular file")
                path = target
            elif not stat.S_ISREG(info.st_mode):
                raise error(f"{rel} is not a regular file (device, FIFO or socket)")
            budget.take(rel, info.st_size)
            files[rel] = _read_capped(path, limits.max_file_bytes, rel, error)
    return files


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _check_link(path: Path, real_root: Path, root: Path, error: type[WorkspaceInputError]) -> Path:
    """The resolved target of a link, if it stays inside the tree."""
    target = path.resolve()
    if not target.is_relative_to(real_root):
        raise error(
            f"{_rel(path, root)} is a symbolic link pointing outside the workspace "
            f"({os.readlink(path)!r})"
        )
    if not target.exists():
        raise error(f"{_rel(path, root)} is a dangling symbolic link")
    return target


def _read_capped(path: Path, cap: int, rel: str, error: type[WorkspaceInputError]) -> bytes:
    # the size was checked with lstat, but a file can grow between the check and the read
    with path.open("rb") as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise error(f"{rel} is over the {cap}-byte limit per file")
    return data


def write_tree(files: Files, root: Path) -> None:
    """Write `Files` under ``root`` (paths were checked when the files were read)."""
    for rel, data in sorted(files.items()):
        target = root / safe_relpath(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


__all__ = [
    "DEFAULT_LIMITS",
    "SKIPPED_DIRS",
    "Budget",
    "Files",
    "InputLimits",
    "RolloutError",
    "TaskError",
    "WorkspaceInputError",
    "read_tree",
    "safe_relpath",
    "write_tree",
]
