"""Held-out *cases* of a workspace task, run in a sandbox child: calls in, plain data out.

The split-trust half of workspace grading (docs/workspace.md, "Held-out cases").
The judge sends each case as a call tree (which function of the package under
test, with which arguments, built from literals and the package's own
constructors); this child imports the package, makes the calls and sends back
what each returned, as plain data, or which exception it raised. Expected values
and test source never enter this process: the judge compares, outside.

Records (NDJSON, each with the run's secret, like pytest jobs):

  {"k":"case","i":N,"o":"ok","v":V}          case N returned V (codec text)
  {"k":"case","i":N,"o":"raised","t":[...]}  case N raised: the names of its class's MRO
  {"k":"case","i":N,"o":"error","d":D}       the call could not be made or its value
                                             cannot be sent (not plain data)
  {"k":"case","i":N,"o":"timeout"}           past the per-test time limit

Stdlib only (the zygote imports this before any job).
"""

from __future__ import annotations

import dataclasses
import importlib
import signal
from typing import Any

from . import codec

_MAX_DETAIL = 300
_PLAIN = (int, float, str, bytes, bool, type(None), complex)


class _CaseTimeout(BaseException):
    """Raised by the per-case alarm (a BaseException: code under test rarely catches it)."""


def _resolve(target: str) -> Any:
    """``"pkg.module:attr.sub"`` -> the object (imports the module: code under test runs)."""
    module_name, _, attrs = target.partition(":")
    value: Any = importlib.import_module(module_name)
    for attr in attrs.split(".") if attrs else ():
        value = getattr(value, attr)
    return value


def _build(node: Any, names: dict[str, str], resolved: dict[str, Any]) -> Any:
    """Evaluate one call-tree node: ``["lit", v]`` or ``["call", name, [args], {kw}]``."""
    if node[0] == "lit":
        return node[1]
    if node[0] == "list":
        return [_build(n, names, resolved) for n in node[1]]
    if node[0] == "tuple":
        return tuple(_build(n, names, resolved) for n in node[1])
    if node[0] == "dict":
        return {_build(k, names, resolved): _build(v, names, resolved) for k, v in node[1]}
    if node[0] == "set":
        return {_build(n, names, resolved) for n in node[1]}
    _, name, args, kwargs = node
    if name not in resolved:
        resolved[name] = _resolve(names[name])
    return resolved[name](
        *[_build(a, names, resolved) for a in args],
        **{k: _build(v, names, resolved) for k, v in kwargs.items()},
    )


def view(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data: built-ins as they are, a dataclass instance as
    ``("obj", class name, {field: value})``; anything else is refused."""
    if depth > 100:
        raise TypeError("value nested too deeply")
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [view(v, depth + 1) for v in value]
    if kind is tuple:
        return tuple(view(v, depth + 1) for v in value)
    if kind is dict:
        return {view(k, depth + 1): view(v, depth + 1) for k, v in value.items()}
    if kind in (set, frozenset):
        return kind(view(v, depth + 1) for v in value)
    if dataclasses.is_dataclass(kind):
        fields = {
            f.name: view(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)
        }
        return ("obj", str(kind.__name__), fields)
    raise TypeError(f"returned a {kind.__name__!s}, which is not plain data or a dataclass")


def _describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"[:_MAX_DETAIL]
    except BaseException:  # a hostile __str__
        return "exception"


def run_cases(job: dict[str, Any], emit: Any, per_test: float) -> None:
    """Run every case of ``job["cases"]`` (codec text) and emit one record each."""
    spec = codec.loads(job["cases"])
    names: dict[str, str] = spec["names"]
    resolved: dict[str, Any] = {}
    setitimer, timer = signal.setitimer, signal.ITIMER_REAL

    def alarm(signum: int, frame: Any) -> None:
        raise _CaseTimeout

    for index, call in enumerate(spec["calls"]):
        record: dict[str, Any]
        try:
            signal.signal(signal.SIGALRM, alarm)
            setitimer(timer, per_test)
            try:
                value = _build(call, names, resolved)
            finally:
                setitimer(timer, 0)
            try:
                record = {"o": "ok", "v": codec.dumps(view(value))}
            except BaseException as exc:
                record = {"o": "error", "d": f"the value cannot be judged: {_describe(exc)}"}
        except _CaseTimeout:
            record = {"o": "timeout"}
        except BaseException as exc:
            try:
                mro = [str(c.__name__) for c in type(exc).__mro__][:20]
            except BaseException:
                mro = []
            record = {"o": "raised", "t": mro, "d": _describe(exc)}
        record.update({"k": "case", "i": index})
        emit(record)
    emit({"k": "end", "exit": 0, "changed": [], "tail": ""})


__all__ = ["run_cases", "view"]
