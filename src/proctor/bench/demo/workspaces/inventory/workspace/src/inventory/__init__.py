"""Inventory listings: parsing and pricing."""

from inventory.models import Item
from inventory.parser import parse_inventory, parse_line
from inventory.pricing import line_total, order_total

__all__ = ["Item", "line_total", "order_total", "parse_inventory", "parse_line"]
