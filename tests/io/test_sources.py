"""Rollout sources: every fenced block, <file> tag, file and tool call, and the program rule."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from proctor.io import choose_program, extract_sources, program_for, rollout_sources
from proctor.records import Rollout, Task, TestSuite

TASK = Task(
    id="t",
    prompt='def add(a, b):\n    """Add."""\n',
    entry_point="add",
    visible=TestSuite(inputs=[[1, 2]], outputs=[3]),
)
SOLUTION = "def add(a, b):\n    return a + b\n"


def test_every_block_and_file_tag_is_extracted_in_order() -> None:
    text = (
        "Plan:\n```python\nimport os\nos._exit(0)\n```\n"
        '<file path="conftest.py">\nimport pytest\n</file>\n'
        "```bash\npytest -q\n```\n```python\n" + SOLUTION + "```\n"
    )
    sources = extract_sources(text)
    assert [(s.name, s.kind, s.path) for s in sources] == [
        ("block 1", "block", None),
        ("conftest.py", "file", "conftest.py"),
        ("block 2", "block", None),
        ("block 3", "block", None),
    ]
    assert sources[1].text == "import pytest\n"


def test_block_that_defines_the_entry_point_is_the_program_even_when_not_last() -> None:
    text = "```python\n" + SOLUTION + "```\nUsage:\n```python\nprint(add(1, 2))\n```\n"
    rollout = Rollout(id="r", task_id="t", completion=text)
    assert program_for(TASK, rollout) == SOLUTION


def test_of_several_defining_blocks_the_last_is_the_program() -> None:
    first = "def add(a, b):\n    return a - b\n"
    text = f"```python\n{first}```\nFixed:\n```python\n{SOLUTION}```\n"
    chosen = choose_program(rollout_sources(Rollout(id="r", task_id="t", completion=text)), "add")
    assert chosen is not None and (chosen.name, chosen.text) == ("block 2", SOLUTION)


def test_file_named_by_the_line_before_a_block_is_a_file() -> None:
    text = "Create `conftest.py`:\n```python\nimport pytest\n```\n"
    (source,) = extract_sources(text)
    assert (source.kind, source.path) == ("file", "conftest.py")


def test_heredoc_in_a_shell_block_is_a_file() -> None:
    text = "```bash\ncat > conftest.py <<'EOF'\nimport pytest\nEOF\npytest\n```\n"
    files = [s for s in extract_sources(text) if s.kind == "file"]
    assert [(f.path, f.text) for f in files] == [("conftest.py", "import pytest")]


def test_tool_calls_write_files_and_run_commands() -> None:
    messages = [
        {"role": "user", "content": "Write add."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "1",
                    "type": "function",
                    "function": {
                        "name": "write_file",
                        "arguments": json.dumps({"path": "solution.py", "content": SOLUTION}),
                    },
                },
                {
                    "id": "2",
                    "type": "function",
                    "function": {"name": "bash", "arguments": json.dumps({"command": "pytest -q"})},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "2", "content": "```python\nos._exit(0)\n```"},
    ]
    rollout = Rollout(id="r", task_id="t", messages=messages)
    sources = rollout_sources(rollout)
    assert [(s.kind, s.path) for s in sources] == [("file", "solution.py"), ("command", None)]
    assert program_for(TASK, rollout) == SOLUTION


def test_files_field_is_a_source_and_can_hold_the_program() -> None:
    rollout = Rollout(
        id="r", task_id="t", files={"solution.py": SOLUTION, "pytest.ini": "[pytest]"}
    )
    assert program_for(TASK, rollout) == SOLUTION
    assert {s.path for s in rollout_sources(rollout)} == {"solution.py", "pytest.ini"}


@pytest.mark.parametrize("path", ["/etc/passwd", "../up.py", "a/../../b", ""])
def test_file_paths_must_be_relative_and_inside(path: str) -> None:
    with pytest.raises(ValidationError, match="must be relative"):
        Rollout(id="r", task_id="t", code="x", files={path: ""})


@pytest.mark.parametrize(
    "message, error",
    [
        ({"role": "robot", "content": "hi"}, "role 'robot'"),
        ({"role": "assistant", "content": 3}, "content must be"),
        ({"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}, "tool call 0"),
        ({"role": "assistant", "tool_calls": {"x": 1}}, "must be a list"),
    ],
)
def test_messages_are_validated(message: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        Rollout(id="r", task_id="t", messages=[message])
