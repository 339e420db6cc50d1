"""The facts `CodeFacts` records: where things happen, calls, classes, handlers, execs."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

EXEC_CALLS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})
MAX_EXEC_DEPTH = 3
BIG_LOOP = 1000
BIG_ALLOCATION = 10**8


@dataclass
class Where:
    """Where something happens in the program."""

    line: int
    end_line: int
    col: int
    function: str | None
    """Enclosing top-level function, or ``None`` at module level (runs at import)."""
    main_guard: bool
    """Inside ``if __name__ == "__main__":`` (does not run when a grader imports it)."""
    via_exec: bool = False
    """Found in code that the program passes to exec/eval (lines point at the exec)."""
    in_big_loop: bool = False
    """Inside a loop that never ends or runs at least `BIG_LOOP` times."""


@dataclass
class CallFact:
    name: str | None
    """Resolved dotted name of the callee (``sys.exit``, ``builtins.open``), if known."""
    node: ast.Call
    args: list[Any]
    """Folded positional arguments (`UNKNOWN` where they do not fold)."""
    kwargs: dict[str, Any]
    where: Where
    arg_names: list[str | None] = field(default_factory=list)
    """Resolved names of the positional arguments (``setattr(unittest.TestCase, ...)``),
    resolved where the call is (exec'd code has its own imports)."""


@dataclass
class RefFact:
    """A resolved function or module used as a value (passed, stored), not called."""

    name: str
    where: Where
    sibling_args: list[Any] = field(default_factory=list)
    """Folded arguments that follow it in the call that received it
    (``atexit.register(os._exit, 0)`` → ``[0]``)."""


@dataclass
class ClassFact:
    name: str
    bases: list[str]
    """Resolved base names (``builtins.int``...); unresolvable bases are left out."""
    methods: dict[str, ast.FunctionDef | ast.Lambda]
    where: Where


@dataclass
class HandlerFact:
    types: list[str | None]
    """Resolved exception types caught; ``None`` stands for a bare ``except:``."""
    swallows: bool
    """Its body only passes, continues, or returns a constant."""
    returns_constant: bool
    constant: Any
    """The value returned, when it is one literal (else ``None``)."""
    covers_function: str | None
    """The top-level function whose whole body the ``try`` covers, if any."""
    where: Where


@dataclass
class ExecFact:
    kind: str
    """``parsed`` (the string folded and was analysed), ``decoded`` (built by decoding:
    hidden on purpose), ``param`` (a function parameter: evaluating input) or ``unknown``."""
    where: Where


__all__ = [
    "BIG_ALLOCATION",
    "BIG_LOOP",
    "EXEC_CALLS",
    "MAX_EXEC_DEPTH",
    "CallFact",
    "ClassFact",
    "ExecFact",
    "HandlerFact",
    "RefFact",
    "Where",
]
