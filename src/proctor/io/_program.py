"""Turn a rollout into the program that gets graded."""

from __future__ import annotations

import ast
import re

from proctor.io._sources import PYTHON_LANGS, choose_program, defines, rollout_sources
from proctor.io._syntax import parse_module
from proctor.records import Rollout, Task

# A fenced block: ```python ... ``` (language tag optional). Models often emit
# several; the last Python block is usually the final answer.
_FENCE = re.compile(
    r"```[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[ \t]*\r?\n(?P<body>.*?)(?:```|\Z)", re.DOTALL
)


def extract_code(completion: str, entry_point: str | None = None) -> str:
    """Extract the code from raw model text.

    With ``entry_point``, the last Python block (or ``<file>`` tag) that defines it
    wins (see `proctor.io.choose_program`); otherwise, or when none does, the last
    fenced block tagged python/py (or untagged); without fences the text is taken whole.
    """
    if entry_point is not None:
        chosen = choose_program(rollout_sources(_as_rollout(completion)), entry_point)
        return chosen.text if chosen is not None else completion
    blocks = [
        m.group("body")
        for m in _FENCE.finditer(completion)
        if m.group("lang").lower() in PYTHON_LANGS
    ]
    return blocks[-1] if blocks else completion


def _as_rollout(completion: str) -> Rollout:
    return Rollout(id="-", task_id="-", completion=completion)


def prompt_is_code(prompt: str, entry_point: str) -> bool:
    """Is the task prompt code to build on (it parses and defines the entry point's
    signature), rather than prose that only describes the task?"""
    tree = None
    # a bare signature ("def add(a, b):") is code waiting for its body
    for text in (prompt, prompt.rstrip() + "\n    ...\n"):
        try:
            tree = parse_module(text)
            break
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    if tree is None:
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == entry_point
        for node in tree.body
    )


def with_prompt(prompt: str, code: str, entry_point: str) -> str:
    """``code``, with the prompt put before it when the code is a body continuation
    (does not define the entry point) and the prompt is code (`prompt_is_code`).
    A prose prompt is context, never part of the program."""
    if defines(code, entry_point) or not prompt_is_code(prompt, entry_point):
        return code
    return prompt + code


def program_for(task: Task, rollout: Rollout) -> str:
    """The full program to run for ``rollout``.

    ``code`` when given; else the source `proctor.io.choose_program` picks from the
    completion's blocks and ``<file>`` tags, the ``messages``' tool calls and the
    ``files``. A program that does not define the entry point is a HumanEval-style
    body continuation: the task prompt is prepended when it is code.
    """
    chosen = choose_program(rollout_sources(rollout), task.entry_point)
    code = chosen.text if chosen is not None else ""
    return with_prompt(task.prompt, code, task.entry_point)
