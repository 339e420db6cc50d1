"""Scheduling over half-open intervals."""

from intervals.model import Interval


def merge(items: list[Interval]) -> list[Interval]:
    """The union of ``items`` as sorted, disjoint intervals (touching ones merged)."""
    raise NotImplementedError("merge")


def max_non_overlapping(items: list[Interval]) -> int:
    """The most intervals that can be chosen with no two overlapping."""
    raise NotImplementedError("max_non_overlapping")


def min_rooms(items: list[Interval]) -> int:
    """The fewest rooms that hold every interval."""
    raise NotImplementedError("min_rooms")


def free_slots(busy: list[Interval], start: int, end: int) -> list[Interval]:
    """Gaps in [start, end) not covered by ``busy``, sorted."""
    raise NotImplementedError("free_slots")
