"""Workspace rollouts: the repository after the agent's edits, plus an optional transcript.

A rollout arrives as a directory, a tarball (``.tar``, ``.tar.gz``, ``.tgz``,
``.tar.bz2``, ``.tar.xz``) or a unified diff against the pristine tree
(``.diff``, ``.patch``). All three are hostile input: paths that escape the
root, links that point outside it, special files and absurd sizes are refused
with a `RolloutError` naming the file and the reason.
"""

from __future__ import annotations

import json
import lzma
import posixpath
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from proctor.workspace import _diff, _tar
from proctor.workspace._files import (
    DEFAULT_LIMITS,
    SKIPPED_DIRS,
    Budget,
    Files,
    InputLimits,
    RolloutError,
    read_tree,
    safe_relpath,
)

RolloutForm = Literal["directory", "tarball", "diff", "files"]
DIFF_SUFFIXES = (".diff", ".patch")
_MAX_TRANSCRIPT_BYTES = 16 << 20


@dataclass
class WorkspaceRollout:
    """One graded attempt: the files of the edited workspace and what the agent did."""

    id: str
    """Rollout id (the `Grade.rollout_id`)."""
    files: Files
    """The workspace after the agent's edits."""
    form: RolloutForm = "files"
    """How it was submitted."""
    transcript: list[dict[str, Any]] | None = None
    """Agent actions (commands run, files read and written), when given; carried for
    the detectors, not used to grade."""
    source: str | None = None
    """Where it was read from."""


def load_rollout(
    path: Path,
    pristine: Files,
    rollout_id: str | None = None,
    transcript: Path | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> WorkspaceRollout:
    """Read a rollout in any of its forms; ``pristine`` is what a diff applies to."""
    path = Path(path)
    form: RolloutForm
    if path.is_dir():
        files, form = read_tree(path, limits), "directory"
    elif not path.is_file():
        raise RolloutError(f"{path}: no such file or directory")
    elif path.name.endswith(DIFF_SUFFIXES):
        files, form = apply_diff(_read_text(path, limits), pristine, limits), "diff"
    elif _tar.looks_like_tar(path):
        files, form = read_tarball(path, limits, top_level=_top_level(pristine)), "tarball"
    else:
        raise RolloutError(f"{path}: not a directory, a tarball or a .diff/.patch file")
    return WorkspaceRollout(
        id=rollout_id or _default_id(path),
        files=files,
        form=form,
        transcript=read_transcript(transcript) if transcript is not None else None,
        source=str(path),
    )


def apply_diff(text: str, pristine: Files, limits: InputLimits = DEFAULT_LIMITS) -> Files:
    """The workspace after applying a unified diff to ``pristine``."""
    return _diff.apply(text, pristine, limits)


def _default_id(path: Path) -> str:
    name = path.name
    for suffix in (*DIFF_SUFFIXES, ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _read_text(path: Path, limits: InputLimits) -> str:
    if path.stat().st_size > limits.max_total_bytes:
        raise RolloutError(f"{path}: the diff is over {limits.max_total_bytes} bytes")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RolloutError(f"{path}: the diff is not UTF-8 text ({exc})") from None


def _top_level(files: Files) -> set[str]:
    return {path.split("/", 1)[0] for path in files}


def read_tarball(
    path: Path, limits: InputLimits = DEFAULT_LIMITS, top_level: set[str] | None = None
) -> Files:
    """Read a tarball into `Files` without extracting anything to disk.

    Links are resolved inside the archive (a link leaving it is refused); devices
    and FIFOs are refused. When every file sits under one directory that is not a
    top-level entry of the pristine tree (``top_level``), that directory is taken
    as the workspace root (``tar czf ws.tgz ws/``).
    """
    budget = Budget(limits, str(path))
    files: Files = {}
    links: dict[str, str] = {}
    # The decompressed stream may hold the files plus a header and padding per member.
    cap = limits.max_total_bytes + 4 * limits.max_files * 2 * _tar.BLOCK + (1 << 20)

    def wanted(member: _tar.Member) -> bool:
        if member.kind != "file":
            return False
        name = safe_relpath(member.name, limits)
        if set(name.split("/")[:-1]) & SKIPPED_DIRS:
            return False  # skipped, but its bytes are still counted by the stream's cap
        budget.take(name, member.size)  # before a byte of it is read
        return True

    try:
        for member, data in _tar.members(path, cap, 4 * limits.max_files, wanted):
            _take(member, data, path, limits, files, links)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        if isinstance(exc, RolloutError):
            raise
        raise RolloutError(f"{path}: unreadable tarball ({exc})") from None
    _resolve_links(files, links, path)
    return _unwrap(files, top_level or set())


def _take(
    member: _tar.Member,
    data: bytes | None,
    path: Path,
    limits: InputLimits,
    files: Files,
    links: dict[str, str],
) -> None:
    """Account for one archive member: a file is kept, a link recorded, the rest refused."""
    name = safe_relpath(member.name, limits)  # a hostile name is refused even for a directory
    if member.kind == "dir" or set(name.split("/")[:-1]) & SKIPPED_DIRS:
        return
    if member.kind == "symlink":
        target = member.linkname
        if target.startswith("/"):
            raise RolloutError(
                f"{path}: {name} is a symbolic link to an absolute path ({target!r})"
            )
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if joined.startswith("../") or joined == "..":
            raise RolloutError(
                f"{path}: {name} is a symbolic link pointing outside the workspace ({target!r})"
            )
        links[name] = safe_relpath(joined, limits)
    elif member.kind == "hardlink":
        links[name] = safe_relpath(member.linkname, limits)
    elif member.kind == "file" and data is not None:
        files[name] = data
    else:
        raise RolloutError(f"{path}: {name} is not a regular file (device, FIFO or other)")


def _resolve_links(files: Files, links: dict[str, str], path: Path) -> None:
    """Links become copies of their targets (which must be files in the archive)."""
    for name, target in links.items():
        seen = {name}
        while target in links:  # a link to a link
            if target in seen:
                raise RolloutError(f"{path}: {name} is part of a symbolic link loop")
            seen.add(target)
            target = links[target]
        if target not in files:
            raise RolloutError(f"{path}: {name} links to {target}, which is not a file in it")
        files[name] = files[target]


def _unwrap(files: Files, top_level: set[str]) -> Files:
    tops = {p.split("/", 1)[0] for p in files}
    if len(tops) == 1 and all("/" in p for p in files):
        (top,) = tops
        if top not in top_level:
            return {p.split("/", 1)[1]: data for p, data in files.items()}
    return files


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """Agent actions from a JSON list or a JSONL file (one object per line)."""
    path = Path(path)
    if path.stat().st_size > _MAX_TRANSCRIPT_BYTES:
        raise RolloutError(f"{path}: the transcript is over {_MAX_TRANSCRIPT_BYTES} bytes")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if text.lstrip().startswith("["):
            items = json.loads(text)
        else:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise RolloutError(f"{path}: not JSON or JSONL ({exc})") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RolloutError(f"{path}: a transcript is a list of JSON objects (one per action)")
    return items


__all__ = [
    "DIFF_SUFFIXES",
    "RolloutForm",
    "WorkspaceRollout",
    "apply_diff",
    "load_rollout",
    "read_tarball",
    "read_transcript",
]
