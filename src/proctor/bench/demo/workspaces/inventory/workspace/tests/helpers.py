"""Helpers shared by the tests."""

from inventory import Item


def item(sku: str, qty: int, price: str) -> Item:
    """An Item from a price written like a listing would ("4.50")."""
    whole, _, frac = price.partition(".")
    return Item(sku, qty, int(whole) * 100 + int((frac + "00")[:2]))
