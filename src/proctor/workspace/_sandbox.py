"""The judge's side of a workspace job: the archive it sends and the pool that runs it.

The sandbox children never see a host path except pytest's own files (read
only): the workspace, the canaries, the held-out tests and proctor's ini file
travel as one tar archive built here and unpacked inside the child's private
working directory.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import tarfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from proctor.sandbox import InfraError, Limits, SandboxPool, WorkerDied

_MARGIN = 10.0  # seconds the judge waits past a run's own wall limit
_MTIME = 1_700_000_000  # fixed: the archive for the same files is the same bytes
# pytest and what it imports; py.py is pytest's shim for the old `py` library
PYTEST_MODULES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py",
                  "exceptiongroup", "tomli")  # fmt: skip


@lru_cache(maxsize=1)
def pytest_paths() -> tuple[list[str], list[str]]:
    """(directories to put on the child's ``sys.path``, paths the child may read).

    Only pytest's own packages are readable, entry by entry: the site-packages
    directory also holds other things (an installed proctor ships task data there).
    """
    sites: list[str] = []
    readable: list[str] = []
    for name in PYTEST_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        if spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                readable.append(str(Path(location).resolve()))
                site = str(Path(location).resolve().parent)
        else:
            readable.append(str(Path(spec.origin).resolve()))
            site = str(Path(spec.origin).resolve().parent)
        if site not in sites:
            sites.append(site)
    if "pytest" not in {Path(p).name for p in readable}:
        raise InfraError("pytest is not installed next to proctor (pip install pytest)")
    return sites, readable


def build_archive(members: dict[str, bytes]) -> str:
    """An uncompressed tar of ``members`` (path -> bytes), base64 for the JSON request."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, _MTIME
            tar.addfile(info, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class WorkspacePool(SandboxPool):
    """A sandbox pool whose zygotes serve workspace jobs (and only those).

    Its zygotes import pytest when they start, before any job (nothing may be
    imported lazily once a child's view of the files is narrowed), so this pool
    is kept apart from the function-level graders' pools: their children must
    not find pytest already imported.
    """

    def _extra_config(self) -> dict[str, Any]:
        sites, _ = pytest_paths()
        return {"pytest_site": sites}

    def run_workspace(self, job: dict[str, Any], limits: Limits) -> tuple[dict[str, Any], bytes]:
        """Run one pytest job; returns the zygote's header and the raw report lines."""
        _, readable = pytest_paths()
        message = {
            "op": "workspace",
            **job,
            "read_only": readable,
            "limits": limits.model_dump(),
        }
        with self._borrow() as worker:
            try:
                header, body = self._request(worker, message, limits.wall + _MARGIN)
            except WorkerDied as exc:
                raise InfraError(f"sandbox worker failed twice: {exc}") from exc
        if header.get("infra_error"):
            raise InfraError(str(header["infra_error"]))
        return header, body


__all__ = ["PYTEST_MODULES", "WorkspacePool", "build_archive", "pytest_paths"]
