"""The import graph of proctor's source, read from the AST of every module.

Every import counts, including those inside functions (the ones that hide loops).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import proctor

# the package as imported: src/proctor in a checkout, site-packages/proctor from a wheel
ROOT = Path(proctor.__file__).resolve().parent
SRC = ROOT.parent
# data shipped inside the package (task workspaces, rollouts): not proctor's code
DATA_DIRS = ("bench/demo/workspaces", "bench/demo/workspace_rollouts")


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module (dotted)."""
    target: str
    """The imported module, or ``module.name`` for ``from module import name``."""
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith(DATA_DIRS):
            files.append(path)
    return files


def imports() -> list[Import]:
    out = []
    for path in source_files():
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out += [Import(name, a.name, node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                out += [Import(name, f"{base}.{a.name}", node.lineno) for a in node.names]
    return [i for i in out if i.target.split(".")[0] == "proctor"]


def unit(module: str) -> str:
    """The subpackage a module belongs to: ``proctor.X``, or ``proctor.bench.Y``."""
    parts = module.split(".")
    depth = 3 if len(parts) > 2 and parts[1] == "bench" else 2
    return ".".join(parts[:depth])


def private_part(target: str) -> str | None:
    """The dotted prefix ending at the first ``_private`` component of ``target``."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[: i + 1])
    return None
