"""A prose prompt is context, never part of the program or the reference."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.io import program_for, prompt_is_code, read_tasks
from proctor.records import Rollout, Task, TestSuite

PROSE = "Write a function add(a, b) that returns the sum of two integers."


def test_prose_prompt_is_not_code_and_a_signature_is() -> None:
    assert not prompt_is_code(PROSE, "add")
    assert prompt_is_code("def add(a, b):\n", "add")
    assert not prompt_is_code('"""Write add."""\n', "add")


def test_body_continuation_does_not_get_a_prose_prompt_prepended() -> None:
    task = Task(
        id="t",
        prompt=PROSE,
        entry_point="add",
        reference="def add(a, b):\n    return a + b\n",
        visible=TestSuite(inputs=[[1, 2]]),
    )
    rollout = Rollout(id="r", task_id="t", code="def add(a, b):\n    return a + b\n")
    assert program_for(task, rollout) == rollout.code
    body = Rollout(id="r", task_id="t", code="    return a + b\n")
    assert program_for(task, body) == body.code


def test_evalplus_row_with_prose_prompt_keeps_the_solution_as_reference(tmp_path: Path) -> None:
    row = {
        "task_id": "Mbpp/1",
        "prompt": PROSE,
        "entry_point": "add",
        "canonical_solution": "def add(a, b):\n    return a + b\n",
        "test": "",
        "base_input": [[1, 2]],
        "plus_input": [[3, 4]],
        "atol": 0,
    }
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(row) + "\n")
    (task,) = read_tasks(path)
    assert task.reference == "def add(a, b):\n    return a + b\n"
