from helpers import item

from inventory import line_total, order_total


def test_line_total():
    assert line_total(item("A-1", 3, "2.50")) == 750


def test_order_total_no_discount():
    assert order_total([item("A-1", 3, "2.50"), item("B-2", 1, "1.25")]) == 875


def test_order_total_bulk_discount():
    assert order_total([item("A-1", 12, "1.00")]) == 1080


def test_order_total_with_tax():
    assert order_total([item("A-1", 2, "10.00")], tax_bp=825) == 2165


def test_order_total_empty():
    assert order_total([]) == 0
