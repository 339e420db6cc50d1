"""The interval type."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open interval [start, end) with start < end."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError(f"empty interval [{self.start}, {self.end})")
