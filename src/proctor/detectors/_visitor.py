"""The single walk over a program's syntax tree that fills a `CodeFacts`."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from proctor.detectors._facts_types import (
    BIG_ALLOCATION,
    BIG_LOOP,
    EXEC_CALLS,
    MAX_EXEC_DEPTH,
    CallFact,
    ClassFact,
    ExecFact,
    HandlerFact,
    RefFact,
    Where,
)
from proctor.detectors._fold import DECODING_CALLS, UNKNOWN

if TYPE_CHECKING:
    from proctor.detectors._facts import CodeFacts


class Visitor(ast.NodeVisitor):
    """Walks the tree once, keeping the enclosing function and main-guard state."""

    def __init__(self, facts: CodeFacts) -> None:
        self.f = facts
        self.function: str | None = None
        self.main_guard = False
        self.big_loop = 0
        self.in_class = 0
        self.docstrings: set[int] = set()

    def where(self, node: ast.AST) -> Where:
        at = self.f._at
        if at is not None:
            # exec'd code runs where the exec runs: its own functions are not the
            # program's, so liveness is the exec's
            return Where(
                at.line,
                at.end_line,
                at.col,
                at.function,
                at.main_guard or self.main_guard,
                via_exec=True,
                in_big_loop=at.in_big_loop or self.big_loop > 0,
            )
        line = getattr(node, "lineno", 1)
        return Where(
            line,
            getattr(node, "end_lineno", None) or line,
            getattr(node, "col_offset", 0),
            self.function,
            self.main_guard,
            in_big_loop=self.big_loop > 0,
        )

    def visit_Module(self, node: ast.Module) -> None:
        self._docstring(node)
        self.generic_visit(node)

    def _docstring(
        self, node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> None:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self.docstrings.add(id(body[0].value))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._docstring(node)
        top = self.function is None and not self.in_class
        if top and isinstance(node, ast.FunctionDef):
            self.f.functions.setdefault(node.name, node)
        if self.function is None and self.in_class:
            name: str | None = f"<method {node.name}>"  # methods count as live code
        else:
            name = node.name if top else self.function
        assert name is not None
        self.f._params.setdefault(name, set()).update(
            a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)
        )
        outer, self.function = self.function, name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._docstring(node)
        methods: dict[str, ast.FunctionDef | ast.Lambda] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                methods[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        fn = self._function_value(stmt.value)
                        if fn is not None:
                            methods[target.id] = fn
        bases = [b for b in (self.f.resolve(base) for base in node.bases) if b]
        self.f.classes.append(ClassFact(node.name, bases, methods, self.where(node)))
        self.in_class += 1
        self.generic_visit(node)
        self.in_class -= 1

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and not self.main_guard:
            key = self.function if self.function and not self.function.startswith("<") else None
            self.f.uses.setdefault(key, set()).add(node.id)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mult):
            for count, seq in ((node.left, node.right), (node.right, node.left)):
                n = self.f.folder.fold(count)
                if (
                    type(n) is int
                    and n >= BIG_ALLOCATION
                    and isinstance(seq, ast.List | ast.Tuple | ast.Constant)
                ):
                    self.f.allocations.append((n, self.where(node)))
        self.generic_visit(node)

    def _function_value(self, value: ast.expr) -> ast.FunctionDef | ast.Lambda | None:
        if isinstance(value, ast.Lambda):
            return value
        if isinstance(value, ast.Name) and value.id in self.f.functions:
            return self.f.functions[value.id]
        if isinstance(value, ast.Name):
            for node in ast.walk(self.f.tree) if self.f.tree else []:
                if isinstance(node, ast.FunctionDef) and node.name == value.id:
                    return node
        return None

    def visit_If(self, node: ast.If) -> None:
        if is_main_guard(node.test):
            self.visit(node.test)
            outer, self.main_guard = self.main_guard, True
            for stmt in node.body:
                self.visit(stmt)
            self.main_guard = outer
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.f.imports.append((alias.name, self.where(node)))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module:
            for alias in node.names:
                self.f.imports.append((f"{node.module}.{alias.name}", self.where(node)))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and id(node) not in self.docstrings:
            self.f.strings.append((node.value, self.where(node), None))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self.f.attr_reads.append((node.attr, self.where(node)))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._write(target, node.value, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._write(node.target, node.value, node)
        self.generic_visit(node)

    def _write(self, target: ast.expr, value: ast.expr, node: ast.AST) -> None:
        if isinstance(target, ast.Attribute):
            base = self.f.resolve(target.value)
            name = f"{base}.{target.attr}" if base else f"?.{target.attr}"
            self.f.attr_writes.append((name, self.where(node), value))
            fn = self._function_value(value)
            if fn is not None and target.attr.startswith("__"):
                self._add_method(target.value, target.attr, fn, node)
        elif isinstance(target, ast.Subscript):
            container = self.f.resolve(target.value) or "?"
            self.f.subscript_writes.append(
                (container, self.f.folder.fold(target.slice), self.where(node))
            )

    def _add_method(
        self, cls: ast.expr, name: str, fn: ast.FunctionDef | ast.Lambda, node: ast.AST
    ) -> None:
        if isinstance(cls, ast.Name):
            for fact in self.f.classes:
                if fact.name == cls.id:
                    fact.methods[name] = fn
                    return
            self.f.classes.append(ClassFact(cls.id, [], {name: fn}, self.where(node)))

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        name: str | None = None
        args: list[Any] = []
        if isinstance(exc, ast.Call):
            name = self.f.resolve(exc.func)
            args = [self.f.folder.fold(a) for a in exc.args]
        elif exc is not None:
            name = self.f.resolve(exc)
        self.f.raises.append((name, args, self.where(node)))
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        covers = None
        if self.function is not None and self.f.functions.get(self.function) is not None:
            fn = self.f.functions[self.function]
            body = [
                s
                for s in fn.body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            ]
            if body and body[0] is node and len(body) <= 2:
                covers = self.function
        for handler in node.handlers:
            types: list[str | None]
            if handler.type is None:
                types = [None]
            elif isinstance(handler.type, ast.Tuple):
                types = [self.f.resolve(t) or "?" for t in handler.type.elts]
            else:
                types = [self.f.resolve(handler.type) or "?"]
            swallows, constant = _swallows(handler.body)
            value = None
            for stmt in handler.body:
                if isinstance(stmt, ast.Return) and stmt.value is not None:
                    folded = self.f.folder.fold(stmt.value)
                    value = None if folded is UNKNOWN else folded
            self.f.handlers.append(
                HandlerFact(types, swallows, constant, value, covers, self.where(handler))
            )
        self.generic_visit(node)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_While(self, node: ast.While) -> None:
        test = self.f.folder.fold(node.test)
        forever = test is not UNKNOWN and bool(test)
        if forever and not _escapes(node):
            self.f.infinite_loops.append(self.where(node))
        self._loop(node, forever and not _breaks(node))

    def visit_For(self, node: ast.For) -> None:
        endless = (
            isinstance(node.iter, ast.Call)
            and self.f.resolve(node.iter.func)
            in ("itertools.count", "itertools.cycle", "itertools.repeat")
            and not node.iter.args[1:]
        )
        if endless and not _escapes(node):
            self.f.infinite_loops.append(self.where(node))
        span = self.f.folder.fold(node.iter)
        big = endless or (isinstance(span, range) and len(span) >= BIG_LOOP)
        self._loop(node, big)

    def _loop(self, node: ast.While | ast.For, big: bool) -> None:
        self.big_loop += big
        self.generic_visit(node)
        self.big_loop -= big

    def visit_Call(self, node: ast.Call) -> None:
        f = self.f
        name = f.resolve(node.func)
        if (
            name is None
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
        ):
            inner = f.resolve(node.func.value.func)  # threading.Event().wait()
            name = f"{inner}().{node.func.attr}" if inner else None
        if name is None and isinstance(node.func, ast.Attribute):
            name = f"?.{node.func.attr}"  # a method of an unknown object (a file handle...)
        args = [f.folder.fold(a) for a in node.args]
        kwargs = {k.arg: f.folder.fold(k.value) for k in node.keywords if k.arg}
        where = self.where(node)
        f.calls.append(
            CallFact(name, node, args, kwargs, where, [f.resolve(a) for a in node.args[:3]])
        )
        for i, arg in enumerate([*node.args, *(k.value for k in node.keywords)]):
            if isinstance(arg, ast.Name | ast.Attribute | ast.Call | ast.Subscript) and not (
                isinstance(arg, ast.Call)
            ):
                ref = f.resolve(arg)
                if ref and "." in ref and not ref.startswith("<"):
                    f.refs.append(RefFact(ref, where, args[i + 1 :]))
        if (
            name in ("builtins.getattr", "builtins.setattr", "builtins.hasattr")
            and len(args) >= 2
            and isinstance(args[1], str)
        ):
            f.attr_reads.append((args[1], where))
        if (
            name in ("builtins.bytearray", "builtins.bytes", "builtins.range", "os.urandom")
            and args
            and type(args[-1]) is int
            and (args[-1] >= BIG_ALLOCATION)
        ):
            f.allocations.append((args[-1], where))
        for value in [*args, *kwargs.values()]:
            if isinstance(value, str | bytes) and value:
                text = value if isinstance(value, str) else value.decode("latin-1")
                f.strings.append((text, where, name))
        if name in EXEC_CALLS and node.args:
            self._exec(node, where)
        self.generic_visit(node)

    def _exec(self, node: ast.Call, where: Where) -> None:
        f = self.f
        target = node.args[0]
        if isinstance(target, ast.Call) and f.resolve(target.func) == "builtins.compile":
            target = target.args[0] if target.args else target
        code = f.folder.fold(target)
        if isinstance(code, bytes):
            try:
                code = code.decode()
            except UnicodeDecodeError:
                code = UNKNOWN
        if isinstance(code, str) and f._depth < MAX_EXEC_DEPTH:
            from proctor.detectors._facts import CodeFacts  # here: _facts imports this module

            inner = CodeFacts(code, f._depth + 1, where)
            if inner.tree is not None:
                f.merge(inner)
                f.execs.append(ExecFact("parsed", where))
                return
        names = {f.resolve(n.func) for n in ast.walk(target) if isinstance(n, ast.Call)}
        if names & DECODING_CALLS or any(
            isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice)
            for n in ast.walk(target)
        ):
            f.execs.append(ExecFact("decoded", where))
        elif isinstance(target, ast.Name) and f.is_param(self.function, target.id):
            f.execs.append(ExecFact("param", where))
        else:
            f.execs.append(ExecFact("unknown", where))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.generic_visit(node)


def is_main_guard(test: ast.expr) -> bool:
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)


def _breaks(loop: ast.While | ast.For) -> bool:
    return any(
        isinstance(n, ast.Break | ast.Return | ast.Raise) for n in ast.walk(loop) if n is not loop
    )


def _swallows(body: list[ast.stmt]) -> tuple[bool, bool]:
    """(only pass/continue/constant returns, returns a constant)."""
    constant = False
    for stmt in body:
        if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Return) and (
            stmt.value is None
            or isinstance(stmt.value, ast.Constant | ast.List | ast.Tuple | ast.Dict | ast.Set)
        ):
            constant = True
            continue
        return False, constant
    return True, constant


def _escapes(loop: ast.While | ast.For) -> bool:
    """Whether the loop body can leave the loop (break, return, raise, yield, exit)."""
    for node in ast.walk(loop):
        if node is loop:
            continue
        if isinstance(node, ast.Break | ast.Return | ast.Raise | ast.Yield | ast.YieldFrom):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("exit", "_exit", "quit", "fork", "write", "wait", "sleep", "start"):
                return True
    return False


__all__ = ["Visitor", "is_main_guard"]
