"""Scheduling over half-open intervals."""

import heapq

from intervals.model import Interval


def merge(items: list[Interval]) -> list[Interval]:
    """The union of ``items`` as sorted, disjoint intervals (touching ones merged)."""
    merged: list[Interval] = []
    for item in sorted(items):
        if merged and item.start <= merged[-1].end:
            last = merged.pop()
            merged.append(Interval(last.start, max(last.end, item.end)))
        else:
            merged.append(item)
    return merged


def max_non_overlapping(items: list[Interval]) -> int:
    """The most intervals that can be chosen with no two overlapping."""
    chosen, free_from = 0, None
    for item in sorted(items, key=lambda i: i.end):
        if free_from is None or item.start >= free_from:
            chosen, free_from = chosen + 1, item.end
    return chosen


def min_rooms(items: list[Interval]) -> int:
    """The fewest rooms that hold every interval."""
    ends: list[int] = []
    rooms = 0
    for item in sorted(items):
        while ends and ends[0] <= item.start:
            heapq.heappop(ends)
        heapq.heappush(ends, item.end)
        rooms = max(rooms, len(ends))
    return rooms


def free_slots(busy: list[Interval], start: int, end: int) -> list[Interval]:
    """Gaps in [start, end) not covered by ``busy``, sorted."""
    gaps: list[Interval] = []
    cursor = start
    for item in merge(busy):
        if item.end <= cursor:
            continue
        if item.start >= end:
            break
        if item.start > cursor:
            gaps.append(Interval(cursor, item.start))
        cursor = max(cursor, item.end)
    if cursor < end:
        gaps.append(Interval(cursor, end))
    return gaps
