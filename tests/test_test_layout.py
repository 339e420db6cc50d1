"""The test tree has no __init__.py files, so pytest imports test modules by basename:
two test files with one name in different folders make collection fail."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_test_module_basenames_are_unique() -> None:
    here = Path(__file__).parent
    names = Counter(
        p.name
        for p in here.rglob("*.py")
        if p.name.startswith(("test_", "_")) and p.name != "__init__.py"
    )
    assert [n for n, c in names.items() if c > 1] == []
