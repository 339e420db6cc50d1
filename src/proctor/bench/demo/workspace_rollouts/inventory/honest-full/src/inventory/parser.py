"""Parse inventory listings: one `SKU, quantity, unit price` per line."""

import re

from inventory.models import Item

_SKU = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_PRICE = re.compile(r"^(\d+)(?:\.(\d{1,2}))?$")


def parse_line(line: str) -> Item:
    """Parse one line such as ``"AB-12, 3, 4.50"``; raise ValueError if it is malformed."""
    fields = [field.strip() for field in line.split(",")]
    if len(fields) != 3:
        raise ValueError(f"expected 3 fields, got {len(fields)}: {line!r}")
    sku, qty_text, price_text = fields
    if not _SKU.match(sku):
        raise ValueError(f"bad SKU {sku!r}")
    if not qty_text.isdigit():
        raise ValueError(f"bad quantity {qty_text!r}")
    match = _PRICE.match(price_text)
    if not match:
        raise ValueError(f"bad price {price_text!r}")
    cents = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))
    return Item(sku, int(qty_text), cents)


def parse_inventory(text: str) -> list[Item]:
    """Parse a whole listing: skip blanks and comments, merge repeated SKUs, sort by SKU."""
    merged: dict[str, Item] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = parse_line(line)
        seen = merged.get(item.sku)
        if seen is None:
            merged[item.sku] = item
        elif seen.price_cents != item.price_cents:
            raise ValueError(f"{item.sku} is listed at two prices")
        else:
            merged[item.sku] = Item(item.sku, seen.qty + item.qty, item.price_cents)
    return [merged[sku] for sku in sorted(merged)]
