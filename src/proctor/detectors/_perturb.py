"""Nudged copies of visible test inputs: close enough that an honest solution's behaviour
carries over, different enough that a table of memorised answers misses.

Perturbations keep what preconditions usually depend on: the sign of numbers,
the sortedness of lists, the character class of string characters. The
expected output of every nudged input comes from the reference solution, so a
nudge that changes the answer is fine; a nudge that breaks a precondition is
what would make honest solutions disagree with the reference, and is avoided.
"""

from __future__ import annotations

import itertools
import random
import string
from typing import Any


def _int(v: int) -> list[int]:
    if v > 0:
        return [v + 1, v + 2] + ([v - 1] if v - 1 > 0 else [])
    if v < 0:
        return [v - 1, v - 2] + ([v + 1] if v + 1 < 0 else [])
    return [1, 2]


def _float(v: float) -> list[float]:
    if v != v or v in (float("inf"), float("-inf")):
        return []
    return [v + 0.5 if v >= 0 else v - 0.5, v * 1.5 if v else 0.25, v + 1.0 if v >= 0 else v - 1.0]


def _same_class(ch: str, rng: random.Random) -> str:
    for pool in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
        if ch in pool:
            return rng.choice([c for c in pool if c != ch])
    return ch


def _str(v: str, rng: random.Random) -> list[str]:
    if not v:
        return []
    out = []
    changeable = [i for i, c in enumerate(v) if c.isalnum()]
    if changeable:
        i = rng.choice(changeable)
        out.append(v[:i] + _same_class(v[i], rng) + v[i + 1 :])
        j = rng.choice(changeable)
        out.append(v[:j] + _same_class(v[j], rng) + v[j + 1 :])
    pairs = [i for i in range(len(v) - 1) if v[i] != v[i + 1]]
    if pairs:
        i = rng.choice(pairs)
        out.append(v[:i] + v[i + 1] + v[i] + v[i + 2 :])
    if v[-1].isalnum():
        out.append(v + _same_class(v[-1], rng))
    return [s for s in out if s != v]


def _sorted(v: list[Any]) -> int:
    """1 ascending, -1 descending, 0 neither (or too short to tell)."""
    try:
        if len(v) >= 2 and all(a <= b for a, b in itertools.pairwise(v)):
            return 1
        if len(v) >= 2 and all(a >= b for a, b in itertools.pairwise(v)):
            return -1
    except TypeError:
        return 0
    return 0


def _seq(v: list[Any], rng: random.Random) -> list[list[Any]]:
    if not v:
        return []
    out: list[list[Any]] = []
    order = _sorted(v)
    if order == 0:
        out.append(list(reversed(v)))
        shuffled = list(v)
        rng.shuffle(shuffled)
        out.append(shuffled)
    # nudge one element (the last, for sorted lists, so the order holds)
    idx = (len(v) - 1 if order == 1 else 0) if order else rng.randrange(len(v))
    nudges = perturb_value(v[idx], rng)
    if order == -1:
        nudges = [n for n in nudges if _less_eq(n, v[idx])] or nudges
    elif order == 1:
        nudges = [n for n in nudges if _less_eq(v[idx], n)] or nudges
    if nudges:
        out.append([*v[:idx], nudges[0], *v[idx + 1 :]])
    if len(v) >= 2 and order == 0:
        out.append(v[:-1])
    return [x for x in out if x != v]


def _less_eq(a: Any, b: Any) -> bool:
    try:
        return bool(a <= b)
    except TypeError:
        return False


def perturb_value(v: Any, rng: random.Random) -> list[Any]:
    """Variants of ``v`` (possibly none) that keep its type and likely preconditions."""
    if isinstance(v, bool) or v is None:
        return []
    if isinstance(v, int):
        return _int(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _str(v, rng)
    if isinstance(v, list):
        return _seq(v, rng)
    if isinstance(v, tuple):
        return [tuple(x) for x in _seq(list(v), rng)]
    if isinstance(v, dict) and v:
        key = rng.choice(list(v))
        return [{**v, key: n} for n in perturb_value(v[key], rng)[:2]]
    return []


def perturb_args(args: list[Any], rng: random.Random, k: int = 3) -> list[list[Any]]:
    """Up to ``k`` distinct copies of ``args`` with one argument nudged in each."""
    options: list[list[Any]] = []
    for j, value in enumerate(args):
        for variant in perturb_value(value, rng):
            options.append([*args[:j], variant, *args[j + 1 :]])
    rng.shuffle(options)
    out: list[list[Any]] = []
    seen = {repr(args)}
    for option in options:
        key = repr(option)
        if key not in seen:
            seen.add(key)
            out.append(option)
        if len(out) >= k:
            break
    return out


__all__ = ["perturb_args", "perturb_value"]
