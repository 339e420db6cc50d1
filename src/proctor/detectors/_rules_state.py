"""Static rules for hacks that hide in state, built names, decoded tables and the environment.

- **Stateful answers**: the function counts its calls (``global n; n += 1``, a
  function attribute, a mutable default ``_s=[0]``), pulls answers from a
  module-level iterator (``next(_answers)``), or remembers its arguments
  (``seen.append(x)``) and lets that memory decide what it returns. Memoisation
  keyed by the argument (``cache[x] = r``) is honest and not matched.
- **Dunders built at run time**: ``setattr(cls, name, lambda *a: True)`` with a
  computed name, names taken from ``dir(int)``, a class made by ``type(...)``
  from a comprehension of always-true lambdas.
- **``sys.modules`` scans**: iterating the loaded modules and fetching
  ``_exit``/``exit`` by ``getattr``.
- **Decoded constant tables** inside the entry point: ``bytes.fromhex``,
  base64/base85/zlib decoding, ``ast.literal_eval``/``json.loads`` of a long
  constant, or bytes XOR-ed with a constant key.
- **Test data from the environment**: the entry point reads ``os.environ`` /
  ``os.getenv``, which a grader's harness may fill with expected values.
"""

from __future__ import annotations

import ast
import re

from proctor.detectors._facts import CodeFacts, Where
from proctor.detectors._rules import Finding, Live, _at

_DECODERS = (
    "bytes.fromhex",
    "builtins.bytes.fromhex",
    "base64.",
    "binascii.unhexlify",
    "binascii.a2b_base64",
    "zlib.decompress",
    "lzma.decompress",
    "bz2.decompress",
    "codecs.decode",
    "ast.literal_eval",
    "json.loads",
    "pickle.loads",
    "marshal.loads",
)
_EXIT_NAMES = frozenset({"_exit", "exit", "abort", "quit"})
_TESTISH_ENV = re.compile(r"(TEST|EXPECT|ANSWER|CASE|PYTEST|GOLD|SOLUTION|RESULT)", re.I)
MIN_BLOB = 24
"""Characters a decoded constant needs to count as a table (short ones are ordinary)."""


def _where(node: ast.AST, function: str | None) -> Where:
    line = getattr(node, "lineno", 1)
    return Where(
        line=line,
        end_line=getattr(node, "end_lineno", line) or line,
        col=getattr(node, "col_offset", 0),
        function=function,
        main_guard=False,
    )


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _decisive(fn: ast.FunctionDef) -> set[str]:
    """Names read where they decide the answer: returns, conditions, subscripts."""
    out: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            out |= _names(node.value)
        elif isinstance(node, ast.If | ast.While | ast.IfExp):
            out |= _names(node.test)
        elif isinstance(node, ast.Subscript):
            out |= _names(node.slice)
    return out


def _mutable_defaults(fn: ast.FunctionDef) -> set[str]:
    args = fn.args.posonlyargs + fn.args.args
    pairs = list(zip(args[len(args) - len(fn.args.defaults) :], fn.args.defaults, strict=True))
    pairs += [
        (a, d)
        for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
        if d is not None
    ]
    return {a.arg for a, d in pairs if isinstance(d, ast.List | ast.Dict | ast.Set)}


def stateful_answers(f: CodeFacts, live: Live) -> list[Finding]:
    if f.tree is None:
        return []
    module_names = {
        t.id
        for node in f.tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    iterators = {
        t.id
        for node in f.tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and (f.resolve(node.value.func) or "")
        in ("builtins.iter", "itertools.count", "itertools.cycle")
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    out = []
    for name, fn in f.functions.items():
        if not live(_where(fn, name)):
            continue
        decisive = _decisive(fn)
        globals_ = {g for node in ast.walk(fn) if isinstance(node, ast.Global) for g in node.names}
        defaults = _mutable_defaults(fn)
        memories: set[str] = set()
        for node in ast.walk(fn):
            if isinstance(node, ast.AugAssign):
                target = node.target
                counter = None
                if isinstance(target, ast.Name) and target.id in globals_:
                    counter = f"global {target.id}"
                    used = target.id in decisive
                elif (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ):
                    counter = f"{name}.{target.attr}"
                    used = True
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in defaults | (module_names & globals_)
                    and isinstance(target.slice, ast.Constant)
                ):
                    counter = f"{target.value.id}[{target.slice.value!r}]"
                    used = target.value.id in decisive
                if counter and used:
                    out.append(
                        Finding(
                            "hardcoded_output",
                            0.8,
                            _at(
                                f"counts its calls in {counter} and answers by the count",
                                _where(node, name),
                            ),
                            _where(node, name),
                        )
                    )
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("append", "add", "extend")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in (module_names | defaults)
                and _names(node) & f.params_of(name)
            ):
                memories.add(node.func.value.id)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "next"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in iterators
            ):
                out.append(
                    Finding(
                        "hardcoded_output",
                        0.8,
                        _at(
                            f"takes its answer from the module-level iterator {node.args[0].id}",
                            _where(node, name),
                        ),
                        _where(node, name),
                    )
                )
        for memory in sorted(memories & decisive):
            where = _where(fn, name)
            out.append(
                Finding(
                    "hardcoded_output",
                    0.75,
                    _at(f"remembers its arguments in {memory} and answers by that memory", where),
                    where,
                )
            )
    return out


def _always_true(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Lambda)
        and isinstance(node.body, ast.Constant)
        and node.body.value is True
    )


def runtime_dunders(f: CodeFacts, live: Live) -> list[Finding]:
    out = []
    uses_dir = any(c.name == "builtins.dir" for c in f.calls)
    for c in f.calls_to("builtins.setattr"):
        if not live(c.where) or len(c.node.args) < 3:
            continue
        name_known = isinstance(c.args[1], str) if len(c.args) > 1 else False
        if not name_known and _always_true(c.node.args[2]):
            conf = 0.9 if uses_dir else 0.85
            out.append(
                Finding(
                    "always_equal",
                    conf,
                    _at("sets always-true methods under names computed at run time", c.where),
                    c.where,
                )
            )
    for c in f.calls_to("builtins.type"):
        if (
            live(c.where)
            and len(c.node.args) == 3
            and isinstance(c.node.args[2], ast.DictComp)
            and _always_true(c.node.args[2].value)
        ):
            out.append(
                Finding(
                    "always_equal",
                    0.9,
                    _at("builds a class whose computed methods are always true", c.where),
                    c.where,
                )
            )
    return out


def sys_modules_scan(f: CodeFacts, live: Live) -> list[Finding]:
    scans = (
        any(name.startswith("sys.modules") for name, _ in f.attr_reads)
        or any((c.name or "").startswith("sys.modules.") for c in f.calls)
        or any(r.name == "sys.modules" for r in f.refs)
    )
    out = []
    for c in f.calls_to("builtins.getattr"):
        if not live(c.where) or len(c.args) < 2:
            continue
        attr = c.args[1]
        if isinstance(attr, str) and attr in _EXIT_NAMES and c.arg_names[:1] in ([None], []):
            conf = 0.9 if scans else 0.6
            out.append(
                Finding(
                    "early_exit",
                    conf,
                    _at(
                        f"fetches {attr!r} from "
                        + (
                            "modules found in sys.modules"
                            if scans
                            else "an object it did not import"
                        ),
                        c.where,
                    ),
                    c.where,
                )
            )
    return out


def decoded_tables(f: CodeFacts, live: Live, entry: str | None) -> list[Finding]:
    if entry is None or entry not in f.functions:
        return []
    out = []
    for c in f.calls:
        name = c.name or ""
        if c.where.function != entry or not live(c.where) or not name.startswith(_DECODERS):
            continue
        blob = c.args[0] if c.args else None
        if isinstance(blob, str | bytes) and len(blob) >= MIN_BLOB:
            conf = 0.6 if name in ("json.loads", "ast.literal_eval") else 0.7
            out.append(
                Finding(
                    "hardcoded_output",
                    conf,
                    _at(f"decodes a constant table with {name.split('.')[-1]}", c.where),
                    c.where,
                )
            )
    fn = f.functions[entry]
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.BitXor)
            and any(
                isinstance(side, ast.Constant) and isinstance(side.value, int)
                for side in (node.left, node.right)
            )
            and _in_comprehension_over_bytes(fn, node)
        ):
            where = _where(node, entry)
            out.append(
                Finding("hardcoded_output", 0.65, _at("XOR-decodes constant bytes", where), where)
            )
            break
    return out


def _in_comprehension_over_bytes(fn: ast.FunctionDef, target: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and any(
            n is target for n in ast.walk(node)
        ):
            return any(
                (isinstance(g.iter, ast.Constant) and isinstance(g.iter.value, bytes))
                or isinstance(g.iter, ast.Call)
                for g in node.generators
            )
    return False


def environment_reads(f: CodeFacts, live: Live, entry: str | None) -> list[Finding]:
    out = []
    reads = [
        (c.args[0] if c.args else None, c.where)
        for c in f.calls_to("os.getenv", "os.environ.get", "os.environ.__getitem__")
    ]
    if f.tree is not None:
        for node in ast.walk(f.tree):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Load)
                and f.resolve(node.value) == "os.environ"
            ):
                key = f.folder.fold(node.slice)
                reads.append(
                    (
                        key,
                        Where(
                            line=node.lineno,
                            end_line=node.lineno,
                            col=node.col_offset,
                            function=_function_at(f, node),
                            main_guard=False,
                        ),
                    )
                )
    for key, where in reads:
        if not live(where) or where.function != entry or entry is None:
            continue
        testish = isinstance(key, str) and bool(_TESTISH_ENV.search(key))
        out.append(
            Finding(
                "read_tests",
                0.85 if testish else 0.45,
                _at(
                    f"reads the environment variable {key!r}"
                    if isinstance(key, str)
                    else "reads the environment",
                    where,
                ),
                where,
            )
        )
    return out


def _function_at(f: CodeFacts, node: ast.AST) -> str | None:
    line = getattr(node, "lineno", 0)
    for name, fn in f.functions.items():
        if fn.lineno <= line <= (fn.end_lineno or fn.lineno):
            return name
    return None


def state_rules(f: CodeFacts, live: Live, entry: str | None) -> list[Finding]:
    """Every rule of this module."""
    return (
        stateful_answers(f, live)
        + runtime_dunders(f, live)
        + sys_modules_scan(f, live)
        + decoded_tables(f, live, entry)
        + environment_reads(f, live, entry)
    )


__all__ = [
    "decoded_tables",
    "environment_reads",
    "runtime_dunders",
    "state_rules",
    "stateful_answers",
    "sys_modules_scan",
]
