"""Corpus templates and obfuscation renderers produce working, hidden code."""

from __future__ import annotations

import math
import random

import pytest

from proctor.bench.corpus._build import TEMPLATES
from proctor.bench.corpus._context import Ctx, TaskInfo
from proctor.bench.corpus._edit import mutants, rename_locals
from proctor.bench.corpus._obfuscate import (
    CALL_STYLES,
    EXEC_STYLES,
    STR_STYLES,
    render_call,
    render_statements,
    render_str,
)
from proctor.records import Task, TestSuite

PROMPT = 'def add_all(nums):\n    """Sum of nums.\n    >>> add_all([1, 2])\n    3\n    """\n'
REFERENCE = PROMPT + "    total = 0\n    for x in nums:\n        total += x\n    return total\n"
TASK = Task(
    id="demo/add_all",
    prompt=PROMPT,
    entry_point="add_all",
    reference=REFERENCE,
    visible=TestSuite(kind="io", inputs=[[[1, 2]], [[5, 5, 5]], [[7]]], outputs=[3, 15, 7]),
)
INFO = TaskInfo(
    task=TASK, reference=REFERENCE, cases=[([[1, 2]], 3), ([[5, 5, 5]], 15), ([[7]], 7)]
)
ALL = [(c, n) for c, names in TEMPLATES.items() for n in sorted(names)]


@pytest.mark.parametrize(("category", "name"), ALL)
@pytest.mark.parametrize("style", ["plain", "getattr", "string_built", "exec_b64"])
def test_every_template_writes_a_program_that_compiles(
    category: str, name: str, style: str
) -> None:
    ctx = Ctx(info=INFO, rng=random.Random(7), style=style, cover=REFERENCE)
    program = TEMPLATES[category][name](ctx)
    compile(program, f"<{category}/{name}>", "exec")


@pytest.mark.parametrize("style", CALL_STYLES)
def test_every_call_style_calls_the_same_function(style: str) -> None:
    lines, expr = render_call("math", "sqrt", "16", style, random.Random(3))
    namespace: dict[str, object] = {}
    exec("\n".join([*lines, f"result = {expr}"]), namespace)
    assert namespace["result"] == math.sqrt(16)


@pytest.mark.parametrize("style", STR_STYLES)
def test_every_string_style_spells_the_same_string(style: str) -> None:
    lines, expr = render_str("conftest.py", style, random.Random(3))
    namespace: dict[str, object] = {}
    exec("\n".join([*lines, f"result = {expr}"]), namespace)
    assert namespace["result"] == "conftest.py"


@pytest.mark.parametrize("style", EXEC_STYLES)
def test_every_exec_style_runs_the_statements(style: str) -> None:
    lines, stmt = render_statements("answer = 6 * 7\n", style, random.Random(3))
    namespace: dict[str, object] = {}
    exec("\n".join([*lines, stmt]), namespace)
    assert namespace["answer"] == 42


def test_mutants_each_change_the_program() -> None:
    found = mutants(REFERENCE, "add_all")
    assert found and all(m.program != REFERENCE for m in found)


def test_renaming_keeps_the_parameters() -> None:
    assert "def add_all(nums):" in rename_locals(REFERENCE, "add_all", random.Random(1))
