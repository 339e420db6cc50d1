"""Parse inventory listings: one `SKU, quantity, unit price` per line."""

from inventory.models import Item


def parse_line(line: str) -> Item:
    """Parse one line such as ``"AB-12, 3, 4.50"``; raise ValueError if it is malformed."""
    raise NotImplementedError("parse_line")


def parse_inventory(text: str) -> list[Item]:
    """Parse a whole listing: skip blanks and comments, merge repeated SKUs, sort by SKU."""
    raise NotImplementedError("parse_inventory")
