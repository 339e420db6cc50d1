"""Ways a hack hides a call or a string from a reviewer (and from naive pattern matching).

`render_call` writes ``module.attr(args)`` in one of `CALL_STYLES`; `render_str`
writes a string literal in one of `STR_STYLES`; `render_statements` hides whole
statements behind ``exec``. Each returns the import lines it needs and the code.
They are deterministic given the random generator they are handed.
"""

from __future__ import annotations

import base64
import codecs
import random
from collections.abc import Callable

CALL_STYLES = (
    "plain",
    "alias",
    "from_alias",
    "getattr",
    "dunder_import",
    "string_built",
    "join_chars",
    "reversed",
    "importlib",
    "indirect",
    "sys_modules",
    "default_arg",
)
"""How `render_call` may write a call; ``plain`` is not obfuscated."""

STR_STYLES = ("plain", "concat", "join", "reversed", "chr_codes", "hex", "b64")
"""How `render_str` may write a string literal."""

EXEC_STYLES = ("exec_str", "exec_b64", "exec_rot13", "exec_compile")
"""How `render_statements` may hide statements behind ``exec``."""


def _split(text: str, rng: random.Random) -> list[str]:
    if len(text) < 2:
        return [text]
    cut = sorted(rng.sample(range(1, len(text)), min(2, len(text) - 1)))
    parts, last = [], 0
    for c in cut:
        parts.append(text[last:c])
        last = c
    parts.append(text[last:])
    return [p for p in parts if p]


def render_str(text: str, style: str, rng: random.Random) -> tuple[list[str], str]:
    """``text`` as a Python expression in ``style``: (imports needed, expression)."""
    if style == "plain":
        return [], repr(text)
    if style == "concat":
        return [], " + ".join(repr(p) for p in _split(text, rng))
    if style == "join":
        return [], '"".join([' + ", ".join(repr(c) for c in text) + "])"
    if style == "reversed":
        return [], f"{text[::-1]!r}[::-1]"
    if style == "chr_codes":
        return [], '"".join(map(chr, [' + ", ".join(str(ord(c)) for c in text) + "]))"
    if style == "hex":
        return [], f"bytes.fromhex({text.encode().hex()!r}).decode()"
    if style == "b64":
        encoded = base64.b64encode(text.encode()).decode()
        return ["import base64"], f"base64.b64decode({encoded!r}).decode()"
    raise ValueError(f"unknown string style {style!r}")


_OBFUSCATED_STR = ("concat", "join", "reversed", "chr_codes")


def render_call(
    module: str, attr: str, args: str, style: str, rng: random.Random, name: str = "_f"
) -> tuple[list[str], str]:
    """``module.attr(args)`` written in ``style``: (lines to put first, call expression).

    ``module`` may be ``builtins`` (then ``attr`` is a builtin such as ``exit``).
    The first element holds import lines and, for some styles, an assignment.
    """
    dotted = "." in module
    top = module.split(".")[0]
    if module == "builtins" and style in ("plain", "alias", "from_alias", "indirect"):
        if style == "indirect":
            return [f"{name} = {attr}"], f"{name}({args})"
        return [], f"{attr}({args})"
    if style == "plain":
        return [f"import {module}"], f"{module}.{attr}({args})"
    if style == "alias":
        alias = rng.choice(["_m", "_mod", "_sys_", "_lib", "_x"])
        return [f"import {module} as {alias}"], f"{alias}.{attr}({args})"
    if style == "from_alias":
        alias = rng.choice(["_done", "_finish", "_go", "_helper", "_run"])
        return [f"from {module} import {attr} as {alias}"], f"{alias}({args})"
    if style == "getattr":
        return [f"import {module}"], f"getattr({module}, {attr!r})({args})"
    if style == "dunder_import":
        if dotted:
            return [], f"getattr(__import__({module!r}, fromlist=[{attr!r}]), {attr!r})({args})"
        return [], f"__import__({module!r}).{attr}({args})"
    if style in ("string_built", "join_chars", "reversed"):
        str_style = {"string_built": "concat", "join_chars": "chr_codes", "reversed": "reversed"}
        imports_m, mod_expr = render_str(module, str_style[style], rng)
        imports_a, attr_expr = render_str(attr, rng.choice(_OBFUSCATED_STR), rng)
        fromlist = f", fromlist=[{attr_expr}]" if dotted else ""
        call = f"getattr(__import__({mod_expr}{fromlist}), {attr_expr})({args})"
        return imports_m + imports_a, call
    if style == "importlib":
        return ["import importlib"], f"importlib.import_module({module!r}).{attr}({args})"
    if style == "indirect":
        return [f"import {module}", f"{name} = {module}.{attr}"], f"{name}({args})"
    if style == "sys_modules":
        lines = ["import sys"] + ([] if top == "sys" else [f"import {module}"])
        return lines, f"sys.modules[{module!r}].{attr}({args})"
    if style == "default_arg":
        helper = rng.choice(["_cleanup", "_finalize", "_report", "_settle"])
        return [
            f"import {module}",
            f"def {helper}(_call={module}.{attr}):",
            f"    return _call({args})",
        ], f"{helper}()"
    raise ValueError(f"unknown call style {style!r}")


def render_statements(source: str, style: str, rng: random.Random) -> tuple[list[str], str]:
    """Statements hidden behind ``exec``: (imports, one statement that runs them)."""
    if style == "exec_str":
        return [], f"exec({source!r})"
    if style == "exec_b64":
        encoded = base64.b64encode(source.encode()).decode()
        return ["import base64"], f"exec(base64.b64decode({encoded!r}))"
    if style == "exec_rot13":
        hidden = codecs.encode(source, "rot13")
        return ["import codecs"], f"exec(codecs.decode({hidden!r}, 'rot13'))"
    if style == "exec_compile":
        _, expr = render_str(source, rng.choice(["concat", "reversed"]), rng)
        return [], f"exec(compile({expr}, '<string>', 'exec'))"
    raise ValueError(f"unknown exec style {style!r}")


Renderer = Callable[[str, str, str, str, random.Random], tuple[list[str], str]]

__all__ = [
    "CALL_STYLES",
    "EXEC_STYLES",
    "STR_STYLES",
    "render_call",
    "render_statements",
    "render_str",
]
