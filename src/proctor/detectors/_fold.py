"""Constant folding for static analysis: what a string-building expression evaluates to.

Obfuscated hacks build names and code at run time: ``"ex" + "it"``,
``"".join(map(chr, [101, 120]))``, ``"tixe"[::-1]``, ``base64.b64decode(...)``.
`fold` evaluates such expressions *without running any code*: it interprets a
small whitelist of pure operations on plain constants (string and bytes
methods, slicing, arithmetic with size caps, ``chr``/``ord``, base64, hex,
rot13, zlib) and gives up (`UNKNOWN`) on anything else.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import operator
import zlib
from collections.abc import Callable, Mapping
from typing import Any

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
"""The value of an expression that cannot be folded."""

MAX_LEN = 1 << 20
"""Longest string, bytes or list a fold may produce (a memory bomb must not fold)."""
MAX_INT_BITS = 4096
MAX_DEPTH = 40

_STR_METHODS = frozenset(
    {
        "join",
        "replace",
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "encode",
        "decode",
        "format",
        "split",
        "title",
        "capitalize",
        "swapcase",
        "casefold",
        "zfill",
        "center",
        "removeprefix",
        "removesuffix",
        "translate",
    }
)
_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Mod: operator.mod,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.FloorDiv: operator.floordiv,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.Pow: operator.pow,
    ast.Div: operator.truediv,
}


def _b64(data: Any) -> bytes:
    return base64.b64decode(data)


_DECODERS: dict[str, Callable[..., Any]] = {
    "base64.b64decode": _b64,
    "base64.standard_b64decode": base64.standard_b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": base64.b16decode,
    "base64.b85decode": base64.b85decode,
    "base64.a85decode": base64.a85decode,
    "binascii.unhexlify": binascii.unhexlify,
    "binascii.a2b_hex": binascii.a2b_hex,
    "binascii.a2b_base64": binascii.a2b_base64,
    "bytes.fromhex": bytes.fromhex,
    "builtins.bytes.fromhex": bytes.fromhex,
}
DECODING_CALLS = frozenset(
    {
        *_DECODERS,
        "codecs.decode",
        "zlib.decompress",
        "marshal.loads",
        "pickle.loads",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
    }
)
"""Calls whose presence around ``exec`` marks the executed code as deliberately hidden."""


def _sized(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict | set) and len(value) > MAX_LEN:
        return UNKNOWN
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        return UNKNOWN
    return value


def _safe_binop(op: type[ast.operator], left: Any, right: Any) -> Any:
    # refuse the operations whose result size the operands do not bound
    if op is ast.Pow and (type(right) is not int or right > 256 or right < 0):
        return UNKNOWN
    if op is ast.LShift and (type(right) is not int or right > MAX_INT_BITS):
        return UNKNOWN
    if op is ast.Mult:
        seq, count = (left, right) if not isinstance(left, int) else (right, left)
        if (
            isinstance(seq, str | bytes | list | tuple)
            and isinstance(count, int)
            and (count * max(1, len(seq)) > MAX_LEN)
        ):
            return UNKNOWN
    if op is ast.Mod and isinstance(left, str | bytes) and len(left) > MAX_LEN:
        return UNKNOWN
    return _sized(_BINOPS[op](left, right))


class Folder:
    """Folds expressions of one module; ``resolve`` names the callee of a call."""

    def __init__(
        self,
        resolve: Callable[[ast.expr], str | None],
        constants: Mapping[str, ast.expr] | None = None,
    ) -> None:
        self._resolve = resolve
        self._constants = constants or {}
        self._depth = 0

    def fold(self, node: ast.AST | None, env: Mapping[str, Any] | None = None) -> Any:
        """The value of ``node``, or `UNKNOWN`."""
        if node is None or self._depth > MAX_DEPTH:
            return UNKNOWN
        self._depth += 1
        try:
            return self._fold(node, env or {})
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            ZeroDivisionError,
            OverflowError,
            AttributeError,
            UnicodeError,
            binascii.Error,
            zlib.error,
            RecursionError,
            MemoryError,
        ):
            return UNKNOWN
        finally:
            self._depth -= 1

    def fold_str(self, node: ast.AST | None) -> str | None:
        value = self.fold(node)
        if isinstance(value, bytes):
            try:
                value = value.decode()
            except UnicodeDecodeError:
                return None
        return value if isinstance(value, str) else None

    def _all(self, nodes: list[ast.expr], env: Mapping[str, Any]) -> list[Any] | None:
        values = [self.fold(n, env) for n in nodes]
        return None if any(v is UNKNOWN for v in values) else values

    def _fold(self, node: ast.AST, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in self._constants:
                return self.fold(self._constants[node.id], env)
            return UNKNOWN
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    inner = self.fold(value.value, env)
                    spec = self.fold(value.format_spec, env) if value.format_spec else ""
                    if inner is UNKNOWN or spec is UNKNOWN:
                        return UNKNOWN
                    if value.conversion == ord("r"):
                        inner = repr(inner)
                    elif value.conversion == ord("s"):
                        inner = str(inner)
                    parts.append(format(inner, spec))
                else:
                    folded = self.fold(value, env)
                    if not isinstance(folded, str):
                        return UNKNOWN
                    parts.append(folded)
            return _sized("".join(parts))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.fold(node.left, env), self.fold(node.right, env)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            return _safe_binop(type(node.op), left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.fold(node.operand, env)
            if operand is UNKNOWN:
                return UNKNOWN
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return +operand
            if isinstance(node.op, ast.Not):
                return not operand
            return ~operand
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            values = self._all(node.elts, env)
            if values is None:
                return UNKNOWN
            if isinstance(node, ast.Tuple):
                return tuple(values)
            return set(values) if isinstance(node, ast.Set) else values
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return UNKNOWN
            keys = self._all([k for k in node.keys if k is not None], env)
            values = self._all(node.values, env)
            if keys is None or values is None:
                return UNKNOWN
            return dict(zip(keys, values, strict=True))
        if isinstance(node, ast.Subscript):
            value = self.fold(node.value, env)
            index = self._slice(node.slice, env)
            if value is UNKNOWN or index is UNKNOWN:
                return UNKNOWN
            return _sized(value[index])
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self._comprehension(node, env)
        if isinstance(node, ast.Call):
            return self._call(node, env)
        return UNKNOWN

    def _slice(self, node: ast.expr, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.Slice):
            parts = [
                self.fold(p, env) if p is not None else None
                for p in (node.lower, node.upper, node.step)
            ]
            if any(p is UNKNOWN for p in parts):
                return UNKNOWN
            return slice(*parts)
        return self.fold(node, env)

    def _comprehension(
        self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, env: Mapping[str, Any]
    ) -> Any:
        if len(node.generators) != 1:
            return UNKNOWN
        gen = node.generators[0]
        if not isinstance(gen.target, ast.Name) or gen.is_async:
            return UNKNOWN
        iterable = self.fold(gen.iter, env)
        if iterable is UNKNOWN or not isinstance(iterable, str | bytes | list | tuple | range):
            return UNKNOWN
        out: list[Any] = []
        for item in iterable:
            scope = {**env, gen.target.id: item}
            if any(self.fold(cond, scope) in (False, 0, None, UNKNOWN) for cond in gen.ifs):
                continue
            value = self.fold(node.elt, scope)
            if value is UNKNOWN:
                return UNKNOWN
            out.append(value)
            if len(out) > MAX_LEN:
                return UNKNOWN
        return set(out) if isinstance(node, ast.SetComp) else out

    def _call(self, node: ast.Call, env: Mapping[str, Any]) -> Any:
        if node.keywords and not all(k.arg in ("encoding", "errors") for k in node.keywords):
            return UNKNOWN
        func = node.func
        # str/bytes methods on a folded receiver: "".join(...), "x".upper(), b.decode()
        if isinstance(func, ast.Attribute) and func.attr in _STR_METHODS:
            receiver = self.fold(func.value, env)
            if isinstance(receiver, str | bytes):
                args = self._all(node.args, env)
                if args is None:
                    return UNKNOWN
                if (
                    func.attr == "decode"
                    and args
                    and args[0] not in ("utf-8", "utf8", "ascii", "latin-1", "latin1")
                ):
                    return UNKNOWN
                return _sized(getattr(receiver, func.attr)(*args))
        name = self._resolve(func)
        if name is None:
            return UNKNOWN
        if name == "builtins.map":
            return self.fold_map(node)
        args = self._all(node.args, env)
        if args is None:
            return UNKNOWN
        if name in _DECODERS and args:
            return _sized(_DECODERS[name](*args[:1]))
        if name == "codecs.decode" and args:
            encoding = args[1] if len(args) > 1 else "utf-8"
            if encoding in ("rot13", "rot_13", "hex", "base64", "utf-8", "utf8", "zlib"):
                data = args[0]
                if encoding == "hex" and isinstance(data, str):
                    data = data.encode()
                return _sized(codecs.decode(data, encoding))
            return UNKNOWN
        if name == "zlib.decompress" and args and isinstance(args[0], bytes):
            out = zlib.decompressobj().decompress(args[0], MAX_LEN)
            return _sized(out)
        return self._builtin(name, args)

    def _builtin(self, name: str, args: list[Any]) -> Any:
        simple: dict[str, Callable[..., Any]] = {
            "builtins.chr": chr,
            "builtins.ord": ord,
            "builtins.str": str,
            "builtins.repr": repr,
            "builtins.int": int,
            "builtins.len": len,
            "builtins.list": list,
            "builtins.tuple": tuple,
            "builtins.reversed": lambda x: list(reversed(x)),
            "builtins.sorted": sorted,
            "builtins.bytes": bytes,
            "builtins.bytearray": bytearray,
            "builtins.abs": abs,
            "builtins.hex": hex,
            "builtins.bool": bool,
        }
        if name == "builtins.range":
            span = range(*args)
            return span if len(span) <= MAX_LEN else UNKNOWN
        if name in ("builtins.bytes", "builtins.bytearray") and args and isinstance(args[0], int):
            return UNKNOWN if args[0] > MAX_LEN else bytes(args[0])
        if name in simple:
            if (
                name in ("builtins.list", "builtins.tuple", "builtins.sorted")
                and args
                and (isinstance(args[0], range) and len(args[0]) > MAX_LEN)
            ):
                return UNKNOWN
            return _sized(simple[name](*args))
        return UNKNOWN

    def fold_map(self, node: ast.Call) -> Any:
        """``map(chr, [...])``: folded when the function is a whitelisted builtin."""
        if len(node.args) != 2:
            return UNKNOWN
        fn = self._resolve(node.args[0])
        values = self.fold(node.args[1])
        funcs: dict[str, Callable[[Any], Any]] = {
            "builtins.chr": chr,
            "builtins.ord": ord,
            "builtins.str": str,
            "builtins.int": int,
        }
        if fn not in funcs or not isinstance(values, list | tuple | str | bytes | range):
            return UNKNOWN
        return [funcs[fn](v) for v in values]


__all__ = ["DECODING_CALLS", "MAX_LEN", "UNKNOWN", "Folder"]
