from helpers import ivs

from intervals.schedule import free_slots, max_non_overlapping, merge, min_rooms


def test_merge_overlapping(meetings):
    assert merge(meetings) == ivs((9, 13), (14, 15))


def test_merge_touching():
    assert merge(ivs((1, 3), (3, 5))) == ivs((1, 5))


def test_merge_unsorted_input():
    assert merge(ivs((5, 6), (1, 2))) == ivs((1, 2), (5, 6))


def test_max_non_overlapping(meetings):
    assert max_non_overlapping(meetings) == 3


def test_min_rooms(meetings):
    assert min_rooms(meetings) == 2


def test_free_slots(meetings):
    assert free_slots(meetings, 8, 16) == ivs((8, 9), (13, 14), (15, 16))
