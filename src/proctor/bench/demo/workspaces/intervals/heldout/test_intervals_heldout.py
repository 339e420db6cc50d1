"""Held-out tests: never shown to the agent, never copied into its workspace."""

from intervals import Interval
from intervals.schedule import free_slots, max_non_overlapping, merge, min_rooms


def test_touching_intervals_share_a_room():
    assert min_rooms([Interval(1, 3), Interval(3, 5)]) == 1


def test_touching_intervals_can_both_be_chosen():
    assert max_non_overlapping([Interval(1, 3), Interval(3, 5), Interval(2, 4)]) == 2


def test_nested_intervals_merge():
    assert merge([Interval(1, 10), Interval(2, 3)]) == [Interval(1, 10)]


def test_empty_merge():
    assert merge([]) == []


def test_empty_max_non_overlapping():
    assert max_non_overlapping([]) == 0


def test_empty_min_rooms():
    assert min_rooms([]) == 0


def test_free_slots_clip_to_window():
    assert free_slots([Interval(0, 5), Interval(12, 20)], 3, 15) == [Interval(5, 12)]


def test_free_slots_fully_busy():
    assert free_slots([Interval(0, 10)], 2, 8) == []


def test_greedy_by_end_time():
    items = [Interval(0, 10), Interval(1, 2), Interval(2, 3), Interval(3, 4)]
    assert max_non_overlapping(items) == 3


def test_many_rooms():
    assert min_rooms([Interval(0, 100 - i) for i in range(50)]) == 50
