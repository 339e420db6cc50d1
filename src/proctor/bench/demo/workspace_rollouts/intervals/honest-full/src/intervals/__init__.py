"""Interval scheduling."""

from intervals.model import Interval

__all__ = ["Interval"]
