"""Apply a unified diff (git or ``diff -ruN`` style) to a workspace, strictly.

A rollout given as a diff against the pristine tree is hostile input, so this is
a small parser with ``patch``'s semantics minus everything that guesses: every
hunk must match the file exactly (it may sit at another line, as ``patch``
allows, but no fuzz), paths must stay inside the workspace, and binary patches,
symbolic links and quoted (escaped) names are refused with a clear error.
Supported: modified, new and deleted files, git renames, ``\\ No newline at end
of file``. The path prefix (``a/``, ``b/`` or none) is detected per diff.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from proctor.workspace._files import Budget, Files, InputLimits, RolloutError, safe_relpath

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)\s*$")
DEV_NULL = "/dev/null"


@dataclass
class Hunk:
    """One ``@@`` block: the lines it expects and the lines it leaves."""

    old_start: int
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


@dataclass
class FilePatch:
    """All hunks for one file, with the raw (unstripped) old and new names."""

    old_name: str
    new_name: str
    hunks: list[Hunk] = field(default_factory=list)
    rename: bool = False


def parse(text: str) -> list[FilePatch]:
    """Split a unified diff into per-file patches. Raises RolloutError on anything odd."""
    lines = text.splitlines(keepends=True)
    patches: list[FilePatch] = []
    git: _GitSection | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _GIT_HEADER.match(line)
        if header:
            _close(git, patches)
            git = _GitSection(header.group(1), header.group(2))
        elif line.startswith(("GIT binary patch", "Binary files ")):
            raise RolloutError(f"diff line {i + 1}: binary patches are not supported")
        elif re.match(r"^(new file|deleted file|new) mode 120000", line):
            raise RolloutError(f"diff line {i + 1}: symbolic links are not supported")
        elif git is not None and not git.seen and git.header_line(line):
            pass
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            patch = FilePatch(_name(line, i), _name(lines[i + 1], i + 1))
            if git is not None and not git.seen:
                git.seen = True
                if git.rename_from is not None and git.rename_to is not None:
                    patch.rename = True
            patches.append(patch)
            i = _hunks(lines, i + 2, patch)
            continue
        i += 1
    _close(git, patches)
    return patches


@dataclass
class _GitSection:
    """What a ``diff --git`` header says, for sections that carry no ``---``/``+++`` lines."""

    a: str
    b: str
    seen: bool = False
    new: bool = False
    deleted: bool = False
    rename_from: str | None = None
    rename_to: str | None = None

    def header_line(self, line: str) -> bool:
        """Take in one extended header line; False when ``line`` is not one."""
        value = line.rstrip("\r\n")
        if value.startswith("new file mode "):
            self.new = True
        elif value.startswith("deleted file mode "):
            self.deleted = True
        elif value.startswith("rename from "):
            self.rename_from = value[len("rename from ") :]
        elif value.startswith("rename to "):
            self.rename_to = value[len("rename to ") :]
        elif not value.startswith(
            (
                "index ",
                "old mode ",
                "new mode ",
                "similarity index ",
                "dissimilarity index ",
                "copy from ",
                "copy to ",
            )
        ):
            return False
        return True


def _close(git: _GitSection | None, patches: list[FilePatch]) -> None:
    """A git section without content lines: an empty new or deleted file, or a pure rename."""
    if git is None or git.seen:
        return
    if git.rename_from is not None and git.rename_to is not None:
        patches.append(FilePatch("a/" + git.rename_from, "b/" + git.rename_to, rename=True))
    elif git.new:
        patches.append(FilePatch(DEV_NULL, git.b))
    elif git.deleted:
        patches.append(FilePatch(git.a, DEV_NULL))


def _name(line: str, index: int) -> str:
    name = line[4:].rstrip("\r\n").split("\t", 1)[0]
    if name.startswith('"'):
        raise RolloutError(f"diff line {index + 1}: quoted file names are not supported")
    return name


def _hunks(lines: list[str], i: int, patch: FilePatch) -> int:
    """Read the hunks of one file starting at line ``i``; return where the next file starts."""
    while i < len(lines):
        match = _HUNK.match(lines[i])
        if not match:
            return i
        old_len = int(match.group(2)) if match.group(2) is not None else 1
        new_len = int(match.group(4)) if match.group(4) is not None else 1
        hunk = Hunk(old_start=int(match.group(1)))
        i += 1
        while len(hunk.old) < old_len or len(hunk.new) < new_len:
            if i >= len(lines):
                raise RolloutError(f"diff: hunk for {patch.new_name} ends early (truncated?)")
            line = lines[i]
            tag, body = line[:1], line[1:]
            if line in ("\n", "\r\n"):  # a context line whose single space was stripped
                tag, body = " ", line
            if tag == " ":
                hunk.old.append(body)
                hunk.new.append(body)
            elif tag == "-":
                hunk.old.append(body)
            elif tag == "+":
                hunk.new.append(body)
            elif tag == "\\":
                _no_newline(hunk, lines[i - 1][:1])
            else:
                raise RolloutError(f"diff line {i + 1}: unexpected line in a hunk: {line[:60]!r}")
            i += 1
        if i < len(lines) and lines[i].startswith("\\"):
            _no_newline(hunk, lines[i - 1][:1])
            i += 1
        patch.hunks.append(hunk)
    return i


def _no_newline(hunk: Hunk, previous_tag: str) -> None:
    """``\\ No newline at end of file``: the line before it has no newline."""
    targets = {" ": (hunk.old, hunk.new), "-": (hunk.old,), "+": (hunk.new,)}.get(previous_tag, ())
    for side in targets:
        if side:
            side[-1] = side[-1].rstrip("\r\n")


def apply(text: str, pristine: Files, limits: InputLimits) -> Files:
    """The workspace after applying the diff ``text`` to ``pristine`` (not modified)."""
    patches = parse(text)
    if not patches and text.strip():
        raise RolloutError("the diff has no file sections ('--- a/...' / '+++ b/...')")
    strip = _strip_level(patches, pristine)
    files = dict(pristine)
    for patch in patches:
        old = _path(patch.old_name, strip, limits)
        new = _path(patch.new_name, strip, limits)
        if old is None and new is None:
            raise RolloutError("diff: a file section with /dev/null on both sides")
        source = files.get(old) if old is not None else b""
        if source is None:
            raise RolloutError(f"diff changes {old}, which is not in the workspace")
        if old is not None and new is None:  # deletion: what it removes must be what is there
            _patch_text(source, patch, old)
            del files[old]
            continue
        assert new is not None
        if old is None and new in files:
            raise RolloutError(f"diff creates {new}, which already exists")
        result = _patch_text(source, patch, new)
        if old is not None and old != new and patch.rename:
            del files[old]
        files[new] = result
    budget = Budget(limits, "the diff's result")
    for path, data in files.items():
        budget.take(path, len(data))
    return files


def _strip_level(patches: list[FilePatch], pristine: Files) -> int:
    """1 when names carry a prefix (``a/``, ``b/``, ``pristine/``), else 0, judged per diff."""
    names = [n for p in patches for n in (p.old_name, p.new_name) if n != DEV_NULL]
    if not names:
        return 0
    if all(n.startswith(("a/", "b/")) for n in names):
        return 1

    def hits(level: int) -> int:
        return sum(1 for n in names if _strip(n, level) in pristine)

    return 1 if hits(1) >= hits(0) else 0


def _strip(name: str, level: int) -> str:
    return name.split("/", level)[-1] if level and "/" in name else name


def _path(name: str, strip: int, limits: InputLimits) -> str | None:
    if name == DEV_NULL:
        return None
    if name.startswith("/"):  # `patch` would quietly strip the slash; a rollout gets no such help
        raise RolloutError(f"diff names an absolute path {name!r}")
    return safe_relpath(_strip(name, strip), limits)


def _patch_text(source: bytes, patch: FilePatch, path: str) -> bytes:
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        raise RolloutError(f"diff changes {path}, which is not UTF-8 text") from None
    lines = text.splitlines(keepends=True)
    offset = 0
    for number, hunk in enumerate(patch.hunks, 1):
        want = max(hunk.old_start - 1, 0) + offset
        at = _find(lines, hunk.old, want)
        if at is None:
            raise RolloutError(
                f"diff: hunk {number} for {path} does not apply (its lines are not in the file)"
            )
        lines[at : at + len(hunk.old)] = hunk.new
        offset = at - max(hunk.old_start - 1, 0) + len(hunk.new) - len(hunk.old)
    return "".join(lines).encode("utf-8")


def _find(lines: list[str], old: list[str], want: int) -> int | None:
    """Where ``old`` occurs, nearest to line ``want`` first (``patch``'s offset, no fuzz)."""
    if not old:
        return min(max(want, 0), len(lines))
    first, last = old[0], len(lines) - len(old)
    want = min(max(want, 0), max(last, 0))
    for distance in range(max(want, last - want) + 1):
        for at in (want - distance, want + distance) if distance else (want,):
            # cheap test of the first line before comparing the whole block
            if 0 <= at <= last and lines[at] == first and lines[at : at + len(old)] == old:
                return at
    return None


def make(before: Files, after: Files) -> str:
    """A git-style unified diff that turns ``before`` into ``after`` (text files only)."""
    out: list[str] = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        out.append(f"diff --git a/{path} b/{path}\n")
        if old is None:
            out.append("new file mode 100644\n")
        elif new is None:
            out.append("deleted file mode 100644\n")
        lines = difflib.unified_diff(
            _lines(old, path),
            _lines(new, path),
            fromfile=DEV_NULL if old is None else f"a/{path}",
            tofile=DEV_NULL if new is None else f"b/{path}",
        )
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(data: bytes | None, path: str) -> list[str]:
    try:
        return (data or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        raise RolloutError(f"{path} is not UTF-8 text: a diff cannot carry it") from None


__all__ = ["FilePatch", "Hunk", "apply", "make", "parse"]
