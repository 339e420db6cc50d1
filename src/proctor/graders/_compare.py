"""Judge an output against the expected one. Both sides are plain decoded data.

Because the codec only ever builds exact built-in types, the comparisons here
run on real ints, strs, lists...: nothing the graded code wrote can override
them. Two modes (`CompareMode`):

- ``strict`` (the default): the types must agree at every depth, so ``True`` is
  not ``1``, ``1.0`` is not ``1``, a ``set`` is not a ``frozenset`` and a
  ``list`` is not a ``tuple``. Floats (at any depth, including inside dicts)
  are equal within the task's ``atol`` plus a relative 1e-7, with EvalPlus's
  1e-6 floor for ``atol`` when the expected value is a float or a list/tuple of
  floats; an expected NaN accepts a NaN.
- ``evalplus``: EvalPlus's semantics, for people who need its numbers: Python's
  ``==`` first (so ``True == 1 == 1.0`` and ``{1} == frozenset({1})`` pass), then,
  for float outputs, ``np.allclose``-style tolerance with the same types at the
  top level.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Literal

CompareMode = Literal["strict", "evalplus"]
"""How outputs are compared: ``strict`` (types must agree) or ``evalplus`` (its ``==``)."""

COMPARE_MODES: tuple[CompareMode, ...] = ("strict", "evalplus")
_FLAT = frozenset({int, str, bytes, bool, type(None), float, complex})
_FLOAT_FLOOR = 1e-6  # EvalPlus enforces this atol for float outputs when a task gives 0
_RTOL = 1e-7


def _is_floats(value: Any) -> bool:
    if type(value) is float:
        return True
    return type(value) in (list, tuple) and bool(value) and all(type(v) is float for v in value)


def _close(out: Any, exp: Any, atol: float) -> bool:
    if type(exp) is float:
        if type(out) not in (float, int) or type(out) is bool:
            return False
        if math.isnan(exp):
            return math.isnan(out)
        return bool(abs(out - exp) <= atol + _RTOL * abs(exp))
    return bool(out == exp)


def outputs_match(out: Any, exp: Any, atol: float = 0.0, mode: CompareMode = "strict") -> bool:
    """True when ``out`` is an acceptable answer where ``exp`` is expected."""
    if mode == "evalplus":
        return _evalplus_match(out, exp, atol)
    if atol == 0 and _is_floats(exp):
        atol = _FLOAT_FLOOR
    try:
        return _strict(out, exp, atol)
    except RecursionError:  # deeper than the stack allows: a mismatch, never a crash
        return False


def _evalplus_match(out: Any, exp: Any, atol: float) -> bool:
    if out == exp:
        return True
    if atol == 0 and _is_floats(exp):
        atol = _FLOAT_FLOOR
    if atol == 0:
        return _nan_equal(out, exp)
    if type(exp) in (list, tuple):
        return (
            type(out) is type(exp)
            and len(out) == len(exp)
            and all(_close(o, e, atol) for o, e in zip(out, exp, strict=True))
        )
    return _close(out, exp, atol)


def _strict(out: Any, exp: Any, atol: float) -> bool:
    kind = type(exp)
    if type(out) is not kind:
        return False
    if kind is float:
        if out == exp:
            return True
        if math.isnan(exp):
            return math.isnan(out)
        return bool(abs(out - exp) <= atol + _RTOL * abs(exp))
    if kind in (list, tuple):
        if len(out) != len(exp):
            return False
        # fast path (C speed): equal by ==, and element types identical where they are flat
        if out == exp and set(map(type, exp)) <= _FLAT:
            return all(map(operator.is_, map(type, out), map(type, exp)))
        return all(_strict(o, e, atol) for o, e in zip(out, exp, strict=True))
    if kind is dict:
        if len(out) != len(exp):
            return False
        # keys: equal *and* of the same type ({1: x} is not {True: x})
        typed = {_typed(k): v for k, v in out.items()}
        for key, value in exp.items():
            tk = _typed(key)
            if tk not in typed or not _strict(typed[tk], value, atol):
                return False
        return True
    if kind in (set, frozenset):
        return len(out) == len(exp) and {_typed(v) for v in out} == {_typed(v) for v in exp}
    return bool(out == exp)  # int, str, bytes, bool, None, complex: same type, plain ==


def _typed(value: Any) -> Any:
    """A hashable form of a hashable plain value in which every type is explicit."""
    kind = type(value)
    if kind is tuple:
        return (tuple, tuple(_typed(v) for v in value))
    if kind is frozenset:
        return (frozenset, frozenset(_typed(v) for v in value))
    if kind is float and math.isnan(value):
        return (float, "nan")  # NaN != NaN: give it one canonical key
    return (kind, value)


def _nan_equal(out: Any, exp: Any) -> bool:
    # NaN is the one plain value not equal to itself; an expected NaN accepts a NaN.
    return type(out) is float and type(exp) is float and math.isnan(out) and math.isnan(exp)


def poly_root_ok(args: list[Any], out: Any, atol: float, mode: CompareMode = "strict") -> bool:
    """HumanEval/32 (find_zero): any x with |poly(xs, x)| <= atol is correct.

    ``evalplus`` evaluates the polynomial as EvalPlus does (a float sum of
    ``coeff * math.pow(x, i)``). That sum is not the same on
    every machine: with coefficients near 1e7 and a root near 17 the terms reach
    4e13, whose rounding unit (0.008) dwarfs atol = 1e-4, and libm's ``pow`` differs
    in the last bit between CPUs, so the reference's own root passes on one machine
    and fails on another. ``strict`` evaluates the polynomial exactly instead
    (`fractions.Fraction`: the same answer everywhere) and accepts
    ``|poly(x)| <= atol + n * 2**-53 * sum(|coeff * x**i|)``: within atol of a value
    that any float evaluation of the polynomial at x may produce.
    """
    if type(out) not in (float, int) or type(out) is bool or not args:
        return False
    xs = args[0]
    if mode == "evalplus":
        try:
            value = sum(coeff * math.pow(out, i) for i, coeff in enumerate(xs))
        except (OverflowError, TypeError, ValueError):
            return False
        return bool(abs(value) <= max(atol, _FLOAT_FLOOR))
    # an int is a fine answer: the canonical solution returns 0 when xs[0] == 0
    if not math.isfinite(out) or type(xs) is not list or not xs:
        return False
    if not all(type(c) in (int, float) and math.isfinite(c) for c in xs):
        return False
    x = Fraction(out)
    terms = [Fraction(coeff) * x**i for i, coeff in enumerate(xs)]
    rounding = Fraction(len(xs), 2**53) * sum(abs(t) for t in terms)
    bound: Fraction = Fraction(max(atol, _FLOAT_FLOOR)) + rounding
    return bool(abs(sum(terms, Fraction(0))) <= bound)
