"""Source surgery for the corpus builder: insert, replace and mutate inside the entry point.

Edits work on text where they can (comments and the prompt's formatting survive,
so a program that still starts with the task prompt can be stored HumanEval
style, as a body continuation) and on the AST where they must (renaming,
mutations).
"""

from __future__ import annotations

import ast
import builtins
import copy
import random
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

_BUILTIN_NAMES = frozenset(dir(builtins))


def entry_def(program: str, entry: str) -> ast.FunctionDef:
    """The top-level ``def entry`` of ``program``."""
    for node in ast.parse(program).body:
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            return node
    raise ValueError(f"no top-level function {entry!r}")


def _first_statement(fn: ast.FunctionDef) -> ast.stmt | None:
    body = fn.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body[0] if body else None


def _indent_of(fn: ast.FunctionDef) -> str:
    return " " * (fn.col_offset + 4)


def insert_at_body_start(program: str, entry: str, code: str) -> str:
    """Insert ``code`` (unindented statements) as the first statements of the entry point."""
    fn = entry_def(program, entry)
    first = _first_statement(fn)
    lines = program.splitlines(keepends=True)
    at = (first.lineno - 1) if first is not None else (fn.end_lineno or len(lines))
    block = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", _indent_of(fn))
    return "".join(lines[:at]) + block + "".join(lines[at:])


def replace_body(program: str, entry: str, code: str) -> str:
    """Replace the entry point's body (its docstring is kept) with ``code``."""
    fn = entry_def(program, entry)
    first = _first_statement(fn)
    lines = program.splitlines(keepends=True)
    start = (first.lineno - 1) if first is not None else (fn.end_lineno or len(lines))
    end = fn.end_lineno or len(lines)
    block = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", _indent_of(fn))
    return "".join(lines[:start]) + block + "".join(lines[end:])


def body_of(program: str, entry: str) -> str:
    """The entry point's body without its docstring, dedented."""
    fn = entry_def(program, entry)
    first = _first_statement(fn)
    if first is None:
        return "pass\n"
    lines = program.splitlines(keepends=True)
    return textwrap.dedent("".join(lines[first.lineno - 1 : fn.end_lineno]))


def append_module(program: str, code: str) -> str:
    """Append module-level ``code`` after everything else."""
    return program.rstrip("\n") + "\n\n\n" + textwrap.dedent(code).strip("\n") + "\n"


def wrap_function(program: str, entry: str, new_fn: ast.FunctionDef) -> str:
    """Replace the entry point's whole definition with the unparsed ``new_fn``."""
    fn = entry_def(program, entry)
    lines = program.splitlines(keepends=True)
    start = (fn.decorator_list[0].lineno if fn.decorator_list else fn.lineno) - 1
    end = fn.end_lineno or len(lines)
    text = textwrap.indent(ast.unparse(new_fn) + "\n", " " * fn.col_offset)
    return "".join(lines[:start]) + text + "".join(lines[end:])


def params_of(program: str, entry: str) -> list[str]:
    """Positional parameter names of the entry point."""
    fn = entry_def(program, entry)
    return [a.arg for a in fn.args.posonlyargs + fn.args.args]


# ---------------------------------------------------------------------------------
# Renaming locals: the same algorithm under other names.


def rename_locals(program: str, entry: str, rng: random.Random) -> str:
    """Rename the entry point's local variables (not its parameters) consistently."""
    fn = entry_def(program, entry)
    # every argument name anywhere (nested functions and lambdas too) stays as it is
    params = {a.arg for a in ast.walk(fn) if isinstance(a, ast.arg)}
    stored = (
        {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        - params
        - _BUILTIN_NAMES
    )
    if not stored:
        return program
    pool = [
        "acc",
        "res",
        "out",
        "tmp",
        "cur",
        "val",
        "item",
        "idx",
        "total",
        "count",
        "buf",
        "seen",
        "best",
        "left",
        "right",
        "step",
        "part",
        "elem",
        "key",
        "cnt",
    ]
    rng.shuffle(pool)
    taken = params | {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
    mapping: dict[str, str] = {}
    for name in sorted(stored):
        choice = next((p for p in pool if p not in taken and p not in mapping.values()), None)
        mapping[name] = choice or f"{name}_v"

    class _Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            if node.id in mapping:
                node.id = mapping[node.id]
            return node

    new_fn = _Rename().visit(copy.deepcopy(fn))
    return wrap_function(program, entry, new_fn)


# ---------------------------------------------------------------------------------
# Mutations: one realistic bug at one site.


@dataclass(frozen=True)
class Mutant:
    program: str
    kind: str
    """``off_by_one``, ``missed_edge_case``, ``wrong_operator``, ``wrong_constant``,
    ``logic_error``."""
    note: str


_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_BIN_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.FloorDiv: ast.Div,
    ast.Mult: ast.Add,
}


def _sites(fn: ast.FunctionDef) -> Iterator[tuple[str, str, ast.AST, int]]:
    """(kind, note, node, variant) for every single-site mutation of ``fn``."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "range" and node.args:
                yield "off_by_one", "range bound off by one", node, 0
                if len(node.args) >= 2:
                    yield "off_by_one", "range start off by one", node, 1
            if node.func.id in ("max", "min"):
                yield "wrong_operator", "max and min swapped", node, 0
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in _CMP_SWAP:
            yield "off_by_one", "strict and non-strict comparison swapped", node, 0
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
            yield "wrong_operator", f"{type(node.op).__name__} operator replaced", node, 0
        elif isinstance(node, ast.BoolOp):
            yield "logic_error", "and/or swapped", node, 0
        elif isinstance(node, ast.If):
            yield "logic_error", "condition negated", node, 0
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and not isinstance(node.value, bool)
            and node.value in (0, 1, 2)
        ):
            yield "wrong_constant", f"constant {node.value} replaced", node, 0
    for i, stmt in enumerate(fn.body[:4]):
        if (
            isinstance(stmt, ast.If)
            and stmt.body
            and isinstance(stmt.body[-1], ast.Return | ast.Raise)
        ):
            yield "missed_edge_case", "an edge-case guard left out", stmt, i


def _apply(fn: ast.FunctionDef, target: ast.AST, kind: str, variant: int) -> bool:
    """Mutate ``target`` (a node of ``fn``) in place."""
    if kind == "missed_edge_case":
        fn.body.remove(target)  # type: ignore[arg-type]
        if not fn.body:
            fn.body.append(ast.Pass())
        return True
    if isinstance(target, ast.Call) and isinstance(target.func, ast.Name):
        if target.func.id == "range":
            op: ast.operator
            if variant == 1:  # start one too late
                i, op = 0, ast.Add()
            else:  # stop one too early
                i, op = (len(target.args) - 1 if len(target.args) <= 2 else 1), ast.Sub()
            target.args[i] = ast.BinOp(left=target.args[i], op=op, right=ast.Constant(1))
            return True
        target.func.id = "min" if target.func.id == "max" else "max"
        return True
    if isinstance(target, ast.Compare):
        target.ops[0] = _CMP_SWAP[type(target.ops[0])]()
        return True
    if isinstance(target, ast.BinOp):
        target.op = _BIN_SWAP[type(target.op)]()
        return True
    if isinstance(target, ast.BoolOp):
        target.op = ast.Or() if isinstance(target.op, ast.And) else ast.And()
        return True
    if isinstance(target, ast.If):
        test = target.test
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        target.test = test.operand if negated else ast.UnaryOp(op=ast.Not(), operand=test)  # type: ignore[attr-defined]
        return True
    if isinstance(target, ast.Constant):
        target.value = {0: 1, 1: 0, 2: 1}[int(target.value)]  # type: ignore[arg-type]
        return True
    return False


def mutants(program: str, entry: str) -> list[Mutant]:
    """Every single-site mutant of the entry point (deterministic order)."""
    fn = entry_def(program, entry)
    out: list[Mutant] = []
    seen: set[str] = set()
    for index, (kind, note, _node, variant) in enumerate(_sites(fn)):
        clone = copy.deepcopy(fn)
        target = [n for _, _, n, _ in _sites(clone)][index]
        if not _apply(clone, target, kind, variant):
            continue
        ast.fix_missing_locations(clone)
        try:
            text = wrap_function(program, entry, clone)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue
        if text in seen or text == program:
            continue
        seen.add(text)
        out.append(Mutant(text, kind, note))
    return out


__all__ = [
    "Mutant",
    "append_module",
    "body_of",
    "entry_def",
    "insert_at_body_start",
    "mutants",
    "params_of",
    "rename_locals",
    "replace_body",
    "wrap_function",
]
