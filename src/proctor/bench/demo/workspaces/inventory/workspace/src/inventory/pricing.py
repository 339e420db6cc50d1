"""Price an order of inventory items (all amounts in cents)."""

from inventory.models import Item

BULK_QTY = 10
BULK_DISCOUNT_PCT = 10


def line_total(item: Item) -> int:
    """Quantity times unit price."""
    raise NotImplementedError("line_total")


def order_total(items: list[Item], tax_bp: int = 0) -> int:
    """Sum of the lines (bulk lines discounted), plus tax in basis points, rounded half up."""
    raise NotImplementedError("order_total")
