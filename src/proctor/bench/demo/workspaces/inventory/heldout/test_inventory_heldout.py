"""Held-out tests: never shown to the agent, never copied into its workspace."""

import pytest

from inventory import Item, order_total, parse_inventory, parse_line


def test_bulk_threshold_is_inclusive():
    assert order_total([Item("A-1", 10, 100)]) == 900


def test_discount_rounds_down_to_the_cent():
    assert order_total([Item("A-1", 11, 99)]) == 980


def test_tax_rounds_half_up():
    assert order_total([Item("A-1", 1, 1000)], tax_bp=5) == 1001


def test_zero_quantity_is_allowed():
    assert parse_line("Z-0, 0, 3.10") == Item("Z-0", 0, 310)


def test_price_with_three_decimals_is_rejected():
    with pytest.raises(ValueError):
        parse_line("A-1, 1, 1.234")


def test_lowercase_sku_is_rejected():
    with pytest.raises(ValueError):
        parse_line("ab-1, 1, 1.00")


def test_conflicting_prices_are_rejected():
    with pytest.raises(ValueError):
        parse_inventory("A-1, 1, 1.00\nA-1, 1, 2.00")


def test_comments_and_blank_lines_only():
    assert parse_inventory("# nothing\n\n   \n") == []
