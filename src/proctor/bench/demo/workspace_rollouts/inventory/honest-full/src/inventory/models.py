"""The record every other module works with."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One inventory line: a SKU, how many units, and the unit price in cents."""

    sku: str
    qty: int
    price_cents: int
