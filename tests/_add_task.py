"""The small `add` task the grader, reward and adapter tests share.

Importable by basename from any test: pytest puts tests/ on sys.path for tests/conftest.py.
"""

from __future__ import annotations

from proctor.records import Task, TestSuite
from proctor.sandbox import Limits

ADD = Task(
    id="t/add",
    prompt='def add(a, b):\n    """Add two numbers."""\n',
    entry_point="add",
    reference="def add(a, b):\n    return a + b\n",
    visible=TestSuite(inputs=[[1, 2], [3, 4]]),
    heldout=TestSuite(inputs=[[0, 0], [-1, 1], [10, 5], [2, 2]]),
)
FAST = Limits(wall=4.0, test=0.5)
"""Limits short enough that a hanging rollout costs the tests little."""
