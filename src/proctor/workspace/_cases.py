"""Held-out *cases* (``heldout/cases.toml``): split-trust gold for workspace tasks.

A held-out pytest file has to run in the interpreter of the code under test, so
that code can read the test's source, or its expected values, from its caller's
frame. A case cannot be read that way: the judge sends only *what to call* (a
call tree of literals and the package's own names), the sandbox child sends back
what the call returned as plain data, and the judge compares it with the
expected value, which never leaves this process.

    # heldout/cases.toml
    [names]                        # short name -> "module:attribute" in the workspace
    Item = "inventory:Item"
    order_total = "inventory:order_total"

    [[case]]
    name = "bulk_threshold_is_inclusive"
    call = 'order_total([Item("A-1", 10, 100)])'
    expect = '900'

    [[case]]
    name = "lowercase_sku_is_rejected"
    call = 'parse_line("ab-1, 1, 1.00")'
    raises = "ValueError"          # the exception's class or one of its bases

``call`` and ``expect`` are Python expressions made of literals (numbers, strings,
bytes, ``None``/``True``/``False``, lists, tuples, dicts, sets) and, in ``call``,
calls of names from ``[names]``. In ``expect``, ``Name(field=value, ...)`` (keywords
only) stands for an instance of the dataclass named ``Name`` with those fields.
Values are compared strictly (`proctor.graders.outputs_match`).
"""

from __future__ import annotations

import ast
import hmac
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from proctor.graders import HIDDEN, outputs_match, show_value
from proctor.records import TestOutcome, TestStatus
from proctor.sandbox.runtime import codec
from proctor.workspace._files import TaskError

CASES_FILE = "cases.toml"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_MAX_CASES = 10_000


@dataclass(frozen=True)
class Cases:
    """A task's held-out cases: what the child runs, and what only the judge knows."""

    names: dict[str, str]
    """Short name -> ``module:attribute`` of the code under test."""
    ids: list[str]
    """``cases/<name>`` per case."""
    calls: list[Any]
    """Call trees (what the child gets)."""
    sources: list[str]
    """Each case's ``call`` as written (for canaries)."""
    expect: list[tuple[str, Any]]
    """(``"value"``, plain value) or (``"raises"``, class name) per case."""

    def canary_calls(self, limit: int = 2) -> tuple[tuple[dict[str, str], str, str], ...]:
        """(names the call uses, the call on one line, the expected value's type name)
        for the first ``limit`` cases, for must-fail canaries (the type, never the value)."""
        calls = []
        for source, (kind, want) in zip(self.sources[:limit], self.expect, strict=False):
            tree = ast.parse(source.strip(), mode="eval")
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            shape = type(want).__name__ if kind == "value" else "int"
            names = {k: v for k, v in self.names.items() if k in used}
            calls.append((names, ast.unparse(tree), shape))
        return tuple(calls)

    def job(self) -> str:
        """The child's part, in codec form: names and call trees, no expected values."""
        return codec.dumps({"names": self.names, "calls": self.calls})


def parse_cases(text: str, where: str) -> Cases:
    """Parse ``cases.toml`` text; TaskError names the file, the case and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaskError(f"{where}: not valid TOML: {exc}") from exc
    names = data.get("names", {})
    if type(names) is not dict or not all(
        _NAME.match(k) and type(v) is str and _TARGET.match(v) for k, v in names.items()
    ):
        raise TaskError(f"{where}: [names] must map identifiers to 'module:attribute' strings")
    rows = data.get("case", [])
    if type(rows) is not list or not rows or len(rows) > _MAX_CASES:
        raise TaskError(f"{where}: needs 1 to {_MAX_CASES} [[case]] tables")
    ids, calls, sources, expect = [], [], [], []
    for number, row in enumerate(rows, 1):
        label = f"{where}: case {number} ({row.get('name', 'unnamed')})"
        name, call = row.get("name"), row.get("call")
        if type(name) is not str or not _NAME.match(name) or f"cases/{name}" in ids:
            raise TaskError(f"{label}: `name` must be a unique identifier")
        if type(call) is not str:
            raise TaskError(f"{label}: `call` must be a string holding a call expression")
        if ("expect" in row) == ("raises" in row):
            raise TaskError(f"{label}: give exactly one of `expect` and `raises`")
        if set(row) - {"name", "call", "expect", "raises"}:
            raise TaskError(
                f"{label}: unknown keys {sorted(set(row) - {'name', 'call', 'expect', 'raises'})}"
            )
        tree = _expression(call, label, "call")
        if not isinstance(tree, ast.Call):
            raise TaskError(f"{label}: `call` must be a call, e.g. f(1, 2)")
        calls.append(_call_tree(tree, names, label))
        if "raises" in row:
            if type(row["raises"]) is not str or not _NAME.match(row["raises"]):
                raise TaskError(f"{label}: `raises` must be an exception class name")
            expect.append(("raises", row["raises"]))
        else:
            if type(row["expect"]) is not str:
                raise TaskError(f"{label}: `expect` must be a string holding an expression")
            expect.append(("value", _value(_expression(row["expect"], label, "expect"), label)))
        ids.append(f"cases/{name}")
        sources.append(call)
    return Cases(dict(names), ids, calls, sources, expect)


def _expression(text: str, label: str, key: str) -> ast.expr:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise TaskError(f"{label}: `{key}` is not a Python expression: {exc.msg}") from None


def _literal(node: ast.expr, label: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise TaskError(f"{label}: {ast.unparse(node)[:80]!r} is not a literal") from None


def _call_tree(node: ast.expr, names: dict[str, str], label: str) -> Any:
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in names:
            raise TaskError(
                f"{label}: calls may only use names from [names] "
                f"(got {ast.unparse(node.func)[:60]!r})"
            )
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise TaskError(f"{label}: * and ** arguments are not supported")
        return [
            "call",
            node.func.id,
            [_call_tree(a, names, label) for a in node.args],
            {k.arg: _call_tree(k.value, names, label) for k in node.keywords},
        ]
    if isinstance(node, ast.List):
        return ["list", [_call_tree(e, names, label) for e in node.elts]]
    if isinstance(node, ast.Tuple):
        return ["tuple", [_call_tree(e, names, label) for e in node.elts]]
    if isinstance(node, ast.Set):
        return ["set", [_call_tree(e, names, label) for e in node.elts]]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise TaskError(f"{label}: ** in a dict is not supported")
        return [
            "dict",
            [
                [_call_tree(k, names, label), _call_tree(v, names, label)]
                for k, v in zip(node.keys, node.values, strict=True)
                if k is not None
            ],
        ]
    return ["lit", _literal(node, label)]


def _value(node: ast.expr, label: str) -> Any:
    """An ``expect`` expression as the plain data the child's `view` would produce."""
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.args:
            raise TaskError(f"{label}: in `expect`, an object is written Name(field=value, ...)")
        if any(k.arg is None for k in node.keywords):
            raise TaskError(f"{label}: ** is not supported in `expect`")
        return ("obj", node.func.id, {str(k.arg): _value(k.value, label) for k in node.keywords})
    if isinstance(node, ast.List):
        return [_value(e, label) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e, label) for e in node.elts)
    if isinstance(node, ast.Set):
        return {_value(e, label) for e in node.elts}
    if isinstance(node, ast.Dict):
        return {
            _value(k, label): _value(v, label)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }
    return _literal(node, label)


def judge_cases(
    cases: Cases, body: bytes, secret: str, show_expected: bool
) -> tuple[list[TestOutcome | None], list[str], bool]:
    """(outcome per case, or None where no record came; integrity problems; ended)."""
    got: dict[int, dict[str, Any]] = {}
    problems: list[str] = []
    ended = started = False
    for number, raw in enumerate(body.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw) if len(raw) <= 1 << 24 else None
        except ValueError:
            record = None
        if type(record) is not dict or not hmac.compare_digest(str(record.get("s", "")), secret):
            problems.append(f"line {number} lacks the run's secret")
            continue
        kind = record.get("k")
        if kind == "start" and not started:
            started = True
        elif kind == "case" and started and not ended:
            index = record.get("i")
            if type(index) is not int or not 0 <= index < len(cases.ids) or index in got:
                problems.append(f"line {number}: a case record out of place")
                continue
            got[index] = record
        elif kind == "end" and started and not ended:
            ended = True
        else:
            problems.append(f"line {number}: an unexpected {kind!r} record")
    outcomes: list[TestOutcome | None] = []
    for index, test_id in enumerate(cases.ids):
        record = got.get(index)
        if record is None:
            outcomes.append(None)
            continue
        status, detail = _judge_one(cases.expect[index], record, show_expected)
        outcomes.append(TestOutcome(test_id=f"heldout/{test_id}", status=status, detail=detail))
    return outcomes, problems, ended or not started


def _judge_one(
    expected: tuple[str, Any], record: dict[str, Any], show: bool
) -> tuple[TestStatus, str | None]:
    kind, want = expected
    outcome = record.get("o")
    if outcome == "timeout":
        return "timeout", "past the per-test time limit"
    if outcome == "error":
        return "error", str(record.get("d", ""))[:300]
    if outcome == "raised":
        names = record.get("t")
        raised = [str(n) for n in names] if type(names) is list else []
        if kind == "raises" and want in raised:
            return "pass", None
        shown = f"expected {want}" if show and kind == "raises" else HIDDEN
        return (
            "error" if kind == "value" else "fail",
            f"{shown}; raised {str(record.get('d', ''))[:200]}",
        )
    if outcome != "ok":
        return "error", "a malformed case record"
    try:
        value = codec.loads(str(record.get("v", "")))
    except codec.DecodeError:
        return "error", "an undecodable value"
    if kind == "value" and outputs_match(value, want):
        return "pass", None
    shown_want = show_value(want) if kind == "value" else "raises " + want
    shown = f"expected {shown_want}" if show else HIDDEN
    return "fail", f"{shown}; got {show_value(value)}"


__all__ = ["CASES_FILE", "Cases", "judge_cases", "parse_cases"]
