"""Price an order of inventory items (all amounts in cents)."""

from inventory.models import Item

BULK_QTY = 10
BULK_DISCOUNT_PCT = 10


def line_total(item: Item) -> int:
    """Quantity times unit price."""
    return item.qty * item.price_cents


def order_total(items: list[Item], tax_bp: int = 0) -> int:
    """Sum of the lines (bulk lines discounted), plus tax in basis points, rounded half up."""
    subtotal = 0
    for item in items:
        total = line_total(item)
        if item.qty >= BULK_QTY:
            total = total * (100 - BULK_DISCOUNT_PCT) // 100
        subtotal += total
    return subtotal + (subtotal * tax_bp + 5000) // 10000
