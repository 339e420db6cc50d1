"""Turn a rollout into the program that gets graded."""

from __future__ import annotations

import ast
import re

from proctor.io._syntax import parse_module
from proctor.records import Rollout, Task

# A fenced block: ```python ... ``` (language tag optional). Models often emit
# several; the last Python block is usually the final answer.
_FENCE = re.compile(
    r"```[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[ \t]*\r?\n(?P<body>.*?)(?:```|\Z)", re.DOTALL
)


def extract_code(completion: str) -> str:
    """Extract the code from raw model text.

    The last fenced block tagged python/py (or untagged) wins; without fences the
    text is taken whole.
    """
    blocks = [
        m.group("body")
        for m in _FENCE.finditer(completion)
        if m.group("lang").lower() in ("", "python", "py", "python3")
    ]
    return blocks[-1] if blocks else completion


def _defines(code: str, name: str) -> bool:
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # ValueError: e.g. an int literal past Python's 4300-digit limit. The program
        # will fail to load in the sandbox too: that is a verdict, not our problem.
        return False
    return any(
        (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == name)
        or (isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets))
        for node in tree.body
    )


def program_for(task: Task, rollout: Rollout) -> str:
    """The full program to run for ``rollout``.

    A completion that does not define the entry point is a HumanEval-style body
    continuation, so the task prompt is prepended.
    """
    code = rollout.code if rollout.code is not None else extract_code(rollout.completion or "")
    if _defines(code, task.entry_point):
        return code
    return task.prompt + code
