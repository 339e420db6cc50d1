"""One parse of a program, resolved: what it calls, reads, writes, raises and defines.

Every static detector reads the same `CodeFacts`, so a program is parsed once.
Names are resolved through the usual disguises: import aliases (``import sys
as s``, ``from os import _exit as bye``), assignments (``e = sys.exit``),
default arguments (``def f(_x=os._exit)``), ``getattr(mod, "name")``,
``__import__("os")``, ``importlib.import_module``, ``sys.modules["os"]``,
``vars(mod)["name"]`` and ``mod.__dict__["name"]``, with names and modules
that are built from strings folded first (`proctor.detectors._fold`). Code
passed to ``exec``/``eval``/``compile`` as a string that folds is parsed and
analysed too, its findings reported at the line of the ``exec``.

The analysis is flow-insensitive (an alias anywhere counts everywhere): for a
detector of intent that is the right trade, as hacks rarely need flow to hide.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

from proctor.detectors._facts_types import (
    EXEC_CALLS,
    CallFact,
    ClassFact,
    ExecFact,
    HandlerFact,
    RefFact,
    Where,
)
from proctor.detectors._fold import UNKNOWN, Folder
from proctor.detectors._visitor import Visitor
from proctor.io import parse_module

_BUILTINS = frozenset(dir(builtins))
_IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})


class CodeFacts:
    """The facts of one program (see module docstring)."""

    def __init__(self, source: str, _depth: int = 0, _at: Where | None = None) -> None:
        self.source = source
        self.calls: list[CallFact] = []
        self.refs: list[RefFact] = []
        self.attr_reads: list[tuple[str, Where]] = []
        self.attr_writes: list[tuple[str, Where, ast.expr]] = []
        self.subscript_writes: list[tuple[str, Any, Where]] = []
        self.strings: list[tuple[str, Where, str | None]] = []
        self.classes: list[ClassFact] = []
        self.raises: list[tuple[str | None, list[Any], Where]] = []
        self.handlers: list[HandlerFact] = []
        self.imports: list[tuple[str, Where]] = []
        self.execs: list[ExecFact] = []
        self.infinite_loops: list[Where] = []
        self.functions: dict[str, ast.FunctionDef] = {}
        self.uses: dict[str | None, set[str]] = {}
        """Names loaded in each top-level function (``None``: live module-level code)."""
        self.allocations: list[tuple[int, Where]] = []
        self.aliases: dict[str, str] = {}
        self.error: str | None = None
        self._depth = _depth
        self._at = _at
        try:
            self.tree: ast.Module | None = parse_module(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            self.tree, self.error = None, f"{type(exc).__name__}: {exc}"
            return
        self._constants: dict[str, ast.expr] = {}
        self._shadowed: set[str] = set()
        self._params: dict[str, set[str]] = {}
        self.folder = Folder(self.resolve, self._constants)
        self._collect_names()
        Visitor(self).visit(self.tree)

    # -- names -------------------------------------------------------------------

    def _collect_names(self) -> None:
        assert self.tree is not None
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and node.value is not None:
                        assigned.setdefault(target.id, []).append(node.value)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts, strict=False):
                            if isinstance(t, ast.Name):
                                assigned.setdefault(t.id, []).append(v)
                    else:
                        for n in ast.walk(target):
                            if isinstance(n, ast.Name):
                                self._shadowed.add(n.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                args = node.args
                positional = args.posonlyargs + args.args
                defaults = list(
                    zip(
                        positional[len(positional) - len(args.defaults) :],
                        args.defaults,
                        strict=True,
                    )
                )
                defaults += [
                    (a, d)
                    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                    if d is not None
                ]
                for arg, default in defaults:
                    assigned.setdefault(arg.arg, []).append(default)
                for sub in ast.walk(args):
                    if isinstance(sub, ast.arg):
                        self._shadowed.add(sub.arg)
                if not isinstance(node, ast.Lambda):
                    self._shadowed.add(node.name)
            elif isinstance(node, ast.ClassDef):
                self._shadowed.add(node.name)
            elif isinstance(node, ast.For | ast.comprehension | ast.With | ast.ExceptHandler):
                for n in ast.walk(
                    node.target if isinstance(node, ast.For | ast.comprehension) else node
                ):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        self._shadowed.add(n.id)
        for name, values in assigned.items():
            if len(values) == 1:
                self._constants[name] = values[0]
        self._shadowed |= set(assigned)
        # two rounds: aliases of aliases (m = sys; e = m.exit)
        for _ in range(3):
            changed = False
            for name, values in assigned.items():
                for value in values:
                    resolved = self.resolve(value)
                    if resolved and self.aliases.get(name) != resolved:
                        self.aliases[name] = resolved
                        changed = True
            if not changed:
                break

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name ``node`` refers to, through aliases and dynamic lookups."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id == "__builtins__":
                return "builtins"
            if node.id in _BUILTINS and node.id not in self._shadowed:
                return f"builtins.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            fn = self.resolve(node.func)
            if fn == "builtins.getattr" and len(node.args) >= 2:
                base = self.resolve(node.args[0])
                attr = self._fold_str(node.args[1])
                return f"{base}.{attr}" if base and attr else None
            if fn in _IMPORTERS and node.args:
                module = self._fold_str(node.args[0])
                if not module:
                    return None
                if fn == "builtins.__import__" and not _has_fromlist(node):
                    return module.split(".")[0]
                return module
            if fn == "builtins.type" and len(node.args) == 1:
                value = self._fold(node.args[0])
                return f"builtins.{type(value).__name__}" if value is not UNKNOWN else None
            if fn == "builtins.vars" and len(node.args) == 1:
                base = self.resolve(node.args[0])
                return f"{base}.__dict__" if base else None
            if fn == "builtins.globals":
                return "<globals>"
            return None
        if isinstance(node, ast.Subscript):
            container = self.resolve(node.value)
            key = self._fold_str(node.slice)
            if container is None or key is None:
                return None
            if container == "sys.modules":
                return key
            if container.endswith(".__dict__"):
                return f"{container[: -len('.__dict__')]}.{key}"
            if container == "<globals>":
                return self.resolve(ast.Name(id=key, ctx=ast.Load()))
        return None

    def _fold(self, node: ast.AST) -> Any:
        return self.folder.fold(node)

    def _fold_str(self, node: ast.AST) -> str | None:
        value = self._fold(node)
        if isinstance(value, bytes):
            try:
                return value.decode()
            except UnicodeDecodeError:
                return None
        return value if isinstance(value, str) else None

    # -- queries -------------------------------------------------------------------

    def calls_to(self, *names: str) -> list[CallFact]:
        """Calls whose resolved callee is one of ``names`` (or a sub-name: ``subprocess``
        matches ``subprocess.run``)."""
        return [c for c in self.calls if c.name and _matches(c.name, names)]

    def refs_to(self, *names: str) -> list[RefFact]:
        return [r for r in self.refs if _matches(r.name, names)]

    def is_param(self, function: str | None, name: str) -> bool:
        return function is not None and name in self._params.get(function, set())

    def params_of(self, function: str) -> set[str]:
        return self._params.get(function, set())

    def live_functions(self, entry: str | None) -> set[str] | None:
        """Top-level functions that can run when a grader imports the program and calls
        ``entry``: the entry point, what live module-level code uses, and what they use.
        ``None`` when ``entry`` is unknown (then everything counts as live)."""
        if entry is None or entry not in self.functions:
            return None
        live: set[str] = set()
        todo = [entry, *(n for n in self.uses.get(None, set()) if n in self.functions)]
        while todo:
            name = todo.pop()
            if name in live:
                continue
            live.add(name)
            todo.extend(n for n in self.uses.get(name, set()) if n in self.functions)
        return live

    def merge(self, inner: CodeFacts) -> None:
        """Add the findings of exec'd code (already located at the exec call)."""
        for name in (
            "calls",
            "refs",
            "attr_reads",
            "attr_writes",
            "subscript_writes",
            "strings",
            "classes",
            "raises",
            "handlers",
            "imports",
            "execs",
            "infinite_loops",
            "allocations",
        ):
            getattr(self, name).extend(getattr(inner, name))


def _matches(name: str, names: tuple[str, ...]) -> bool:
    return any(name == n or name.startswith(n + ".") for n in names)


def _has_fromlist(node: ast.Call) -> bool:
    if len(node.args) >= 4:
        return True
    return any(k.arg == "fromlist" for k in node.keywords)


__all__ = [
    "EXEC_CALLS",
    "CallFact",
    "ClassFact",
    "CodeFacts",
    "ExecFact",
    "HandlerFact",
    "RefFact",
    "Where",
]
