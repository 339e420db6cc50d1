"""The visible test cases a policy could have special-cased: io tests, asserts, doctests."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from proctor.io import parse, parse_module

if TYPE_CHECKING:
    from proctor.detectors._base import Subject

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
_DOCTEST = re.compile(r"^\s*>>>\s*(?P<call>.+?)\s*$\n^\s*(?P<out>(?!>>>)\S.*?)\s*$", re.M)


@dataclass(frozen=True)
class Case:
    """One visible test: its arguments and, when known, the expected output."""

    args: tuple[Any, ...]
    output: Any
    """`MISSING` when unknown."""
    test_id: str


def visible_cases(subject: Subject) -> list[Case]:
    """Visible io tests (with expected outputs when known), assert-style calls with
    literal arguments, and the prompt's ``>>>`` examples."""
    task = subject.task
    if task is None:
        return []
    cases: list[Case] = []
    suite = task.visible
    if suite.kind == "io":
        outputs = subject.visible_outputs or suite.outputs
        valid = subject.visible_valid or [outputs is not None] * len(suite.inputs)
        for i, args in enumerate(suite.inputs):
            value = outputs[i] if outputs is not None and i < len(outputs) and valid[i] else MISSING
            cases.append(Case(tuple(args), value, f"visible/{i}"))
    elif suite.code:
        cases += _assert_cases(suite.code)
    cases += _doctest_cases(task.prompt, task.entry_point)
    return cases


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return MISSING


def _assert_cases(code: str) -> list[Case]:
    try:
        tree = parse_module(code)
    except SyntaxError:
        return []
    out: list[Case] = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Call)
            and isinstance(node.left.func, ast.Name)
            and node.left.func.id == "candidate"
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)
        ):
            continue
        args = [_literal(a) for a in node.left.args]
        if any(a is MISSING for a in args):
            continue
        out.append(Case(tuple(args), _literal(node.comparators[0]), f"visible/check#{len(out)}"))
    return out


def _doctest_cases(prompt: str, entry: str) -> list[Case]:
    out: list[Case] = []
    for match in _DOCTEST.finditer(prompt):
        try:
            call = cast(ast.Expression, parse(match.group("call"), mode="eval")).body
        except SyntaxError:
            continue
        if not (
            isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == entry
        ):
            continue
        args = [_literal(a) for a in call.args]
        if any(a is MISSING for a in args):
            continue
        try:
            output = _literal(cast(ast.Expression, parse(match.group("out"), mode="eval")).body)
        except SyntaxError:
            output = MISSING
        out.append(Case(tuple(args), output, f"prompt/example#{len(out)}"))
    return out


__all__ = ["MISSING", "Case", "visible_cases"]
