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
import json
import re
import subprocess
import sys
import tarfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from proctor.sandbox import InfraError, Limits, SandboxPool, WorkerDied

_MARGIN = 10.0  # seconds the judge waits past a run's own wall limit
_MTIME = 1_700_000_000  # fixed: the archive for the same files is the same bytes
# What the zygote imports (``workspace_job.preload``): pytest and its built-in plugins.
_CLOSURE_SCRIPT = """
import importlib, json, sys, sysconfig
sys.path.extend(json.loads(sys.argv[1]))
before = set(sys.modules)
config = importlib.import_module("_pytest.config")
importlib.import_module("pytest")
for name in config.default_plugins:
    importlib.import_module("_pytest." + name)
std = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")}
out = []
for name in sorted(set(sys.modules) - before):
    module = sys.modules[name]
    origin = getattr(module, "__file__", None)
    if origin and not any(origin.startswith(p + "/") for p in std):
        out.append([name, origin, bool(getattr(module, "__path__", None))])
print(json.dumps(out))
"""


@lru_cache(maxsize=1)
def pytest_paths() -> tuple[list[str], list[str]]:
    """(directories to put on the child's ``sys.path``, paths the child may read).

    pytest's import closure is computed, not listed: a fresh ``python -I -S`` (as
    the zygote is) imports pytest and its built-in plugins, and every module it
    loaded from outside the standard library names its top-level package (or
    file) as readable and its parent as a site directory. A pytest release that
    imports one more package needs no change here. Only those entries are
    readable: the site-packages directory also holds other things (an installed
    proctor ships task data there).
    """
    if importlib.util.find_spec("pytest") is None:
        raise InfraError(
            f"pytest is not installed for {sys.executable}: pip install "
            "'pytest>=8' (proctor declares it; an install with --no-deps lacks it)"
        )
    search = [p for p in sys.path if p and Path(p).is_dir()]
    loaded, why = None, ""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _CLOSURE_SCRIPT, json.dumps(search)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        why = (done.stderr or "").strip()[-300:]
        loaded = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        why = str(exc)
    if not isinstance(loaded, list) or not loaded:
        raise InfraError(
            f"could not import pytest in a fresh interpreter ({sys.executable} -I -S): {why}"
        )
    entries = {_entry(name, Path(origin).resolve()) for name, origin, _ in loaded}
    # what pytest imports lazily (packaging for `minversion`, ...): its declared
    # requirements' top-level packages are readable too
    entries |= {p for p in map(_top_level_path, _requirement_modules("pytest")) if p}
    readable = sorted(
        str(e) for e in entries if not any(o != e and o in e.parents for o in entries)
    )
    sites = list(dict.fromkeys(str(Path(r).parent) for r in readable))
    return sites, readable


def _entry(name: str, path: Path) -> Path:
    """The top-level package directory (or module file) that ``name`` was loaded from."""
    levels = name.count(".") + (1 if path.name == "__init__.py" else 0)
    entry = path.parents[levels - 1] if levels else path
    # a module registered under another name (pytest's ``py.error`` shim): just its file
    return entry if entry.name.removesuffix(".py") == name.split(".", 1)[0] else path


def _requirement_modules(dist: str) -> list[str]:
    """Top-level import names of ``dist``'s unconditional requirements."""
    from importlib import metadata

    try:
        requires = metadata.requires(dist) or []
        providers = metadata.packages_distributions()
    except metadata.PackageNotFoundError:
        return []
    names = set()
    for requirement in requires:
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if found and "extra ==" not in requirement:
            names.add(found.group(1).lower().replace("_", "-"))
    return sorted(
        module
        for module, dists in providers.items()
        if any(d.lower().replace("_", "-") in names for d in dists)
    )


def _top_level_path(module: str) -> Path | None:
    spec = importlib.util.find_spec(module) if module.isidentifier() else None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return None
    origin = Path(spec.origin).resolve()
    return origin.parent if spec.submodule_search_locations else origin


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


__all__ = ["WorkspacePool", "build_archive", "pytest_paths"]
