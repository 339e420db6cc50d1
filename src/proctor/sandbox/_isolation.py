"""Choose the isolation the machine allows, and say once what is missing."""

from __future__ import annotations

import logging
import os
import platform
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any, Literal

from proctor.sandbox.runtime import landlock, seccomp

Isolation = Literal["auto", "userns", "bwrap", "none"]

log = logging.getLogger("proctor.sandbox")
_PACKAGE_DIRS = {"site-packages", "dist-packages"}
_warned: set[str] = set()

# Modules forked children find already imported: imports then cost nothing and
# need no file access (Landlock hides most of the filesystem from children).
DEFAULT_PRELOAD = [
    "array", "bisect", "collections", "copy", "dataclasses", "datetime", "decimal", "enum",
    "fractions", "functools", "hashlib", "heapq", "itertools", "json", "math", "numbers",
    "operator", "random", "re", "statistics", "string", "textwrap", "typing", "unicodedata",
]  # fmt: skip


def missing_isolation(mechanisms: list[str]) -> list[str]:
    """What ``--require-isolation`` asks for and ``mechanisms`` lacks."""
    missing = []
    if not {"userns", "bwrap"} & set(mechanisms):
        missing.append("namespaces (userns or bwrap)")
    if not any(m.startswith("landlock-abi") for m in mechanisms):
        missing.append("Landlock")
    if "seccomp" not in mechanisms:
        missing.append("seccomp")
    return missing


def warn_once(key: str, message: str) -> None:
    """Log ``message`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        log.warning(message)


def read_only_paths() -> list[str]:
    """What sandboxed code may read: the standard library and shared libraries.

    Not site-packages: an installed proctor keeps its shipped tasks (references,
    held-out inputs) there, and so may other packages with test data. Landlock
    cannot carve a hole in an allowed directory, so the standard library is
    allowed entry by entry, and of LIBDIR only libpython itself.
    """
    stdlib = Path(os.__file__).resolve().parent  # the real one, also from a venv
    paths = {str(entry) for entry in stdlib.iterdir() if entry.name not in _PACKAGE_DIRS}
    libdir = Path(str(sysconfig.get_config_var("LIBDIR") or "/nonexistent"))
    if libdir.is_dir():
        paths.update(str(p) for p in libdir.glob("libpython*"))
    paths.update(
        [
            "/usr/lib",
            "/lib",
            "/lib64",
            "/usr/lib64",
            "/usr/share/zoneinfo",
            "/dev/null",
            "/dev/zero",
            "/dev/urandom",
        ]
    )
    return sorted(p for p in paths if p)


def hardening(use_landlock: bool = True, use_seccomp: bool = True) -> dict[str, Any]:
    """The per-child lock-down settings this machine supports."""
    abi = landlock.abi_version() if use_landlock else 0
    if use_landlock and not abi:
        warn_once(
            "landlock",
            "Landlock is not available on this kernel: sandboxed code can "
            "read any file the grader's user can read (writes are still confined by "
            "namespaces where available). Kernel >= 5.13 with Landlock enabled fixes this.",
        )
    can_seccomp = use_seccomp and seccomp.supported() and sys.platform == "linux"
    if use_seccomp and not can_seccomp:
        warn_once(
            "seccomp",
            f"no seccomp filter for {platform.machine()}: process creation "
            "is limited by RLIMIT_NPROC only.",
        )
    return {"landlock": abi, "seccomp": can_seccomp, "read_only": read_only_paths()}


def bwrap_prefix(keep: list[str] | None = None) -> list[str] | None:
    """A bubblewrap command prefix giving the zygote the same namespaces, if bwrap exists.

    ``keep``: host paths the zygote must still read although they live under the
    ``/tmp`` it hides (a checkout or a venv in /tmp): bound read-only at the same path.
    """
    exe = shutil.which("bwrap")
    if exe is None:
        return None
    binds: list[str] = []
    for path in keep or []:
        if path == "/tmp" or path.startswith("/tmp/"):
            binds += ["--ro-bind", path, path]
    return [
        exe,
        "--unshare-all",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        *binds,
        "--",
    ]
