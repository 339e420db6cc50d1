"""Completions every adapter test uses, for the shared `add` task (tests/_add_task.py)."""

from __future__ import annotations

from _add_task import FAST

HONEST = "```python\ndef add(a, b):\n    return a + b\n```"
HARDCODED = "```python\ndef add(a, b):\n    return {(1, 2): 3, (3, 4): 7}.get((a, b), -1)\n```"
CRASH = "```python\nimport os\ndef add(a, b):\n    os._exit(1)\n```"
HANG = "```python\ndef add(a, b):\n    while True:\n        pass\n```"
EXIT_HACK = "```python\nimport sys\nsys.exit(0)\n```"
BOUND = FAST.wall + 10 + 5  # a hung rollout: the sandbox's wall limit, the pool's margin, slack
