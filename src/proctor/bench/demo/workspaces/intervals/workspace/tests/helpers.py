"""Builders shared by the tests."""

from intervals import Interval


def ivs(*pairs: tuple[int, int]) -> list[Interval]:
    """Intervals from (start, end) pairs."""
    return [Interval(a, b) for a, b in pairs]
