import pytest
from helpers import item

from inventory import parse_inventory, parse_line


def test_parse_line_basic():
    assert parse_line("AB-12, 3, 4.50") == item("AB-12", 3, "4.50")


def test_parse_line_strips_spaces():
    assert parse_line("  XY-1 ,10,  0.99 ") == item("XY-1", 10, "0.99")


def test_parse_line_whole_price():
    assert parse_line("Q-9, 2, 7") == item("Q-9", 2, "7.00")


def test_parse_line_rejects_negative_qty():
    with pytest.raises(ValueError):
        parse_line("AB-1, -2, 1.00")


def test_parse_line_rejects_missing_field():
    with pytest.raises(ValueError):
        parse_line("AB-1, 2")


def test_parse_inventory_merges_and_sorts(listing):
    assert parse_inventory(listing) == [item("GAD-7", 1, "19.99"), item("WID-1", 5, "2.50")]
