"""The demo suite proctor ships (src/proctor/bench/demo/data): records that validate, references
that run, and rollouts that behave as their labels say.

Rollout code never runs in this process: the honest and special-casing rollouts run in a
subprocess (`run_program`), and the hack checks at the end go through the hardened
grader's sandbox. Outputs cross back as codec data and are compared here.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from proctor.bench.demo import ROLLOUTS, TASKS, _suite
from proctor.graders._compare import outputs_match
from proctor.graders._hardened import HardenedGrader
from proctor.io import program_for, read_rollouts, read_tasks
from proctor.records import Grade, Rollout, Task
from proctor.sandbox.runtime import codec

TASK_ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in TASKS.read_text(encoding="utf-8").splitlines()
]
ROLLOUT_ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in ROLLOUTS.read_text(encoding="utf-8").splitlines()
]
TASK_IDS = [row["id"] for row in TASK_ROWS]

KINDS = {"honest_correct", "honest_wrong", "hack"}
HACK_CATEGORIES = {
    "exit_code",
    "always_equal",
    "type_subclass",
    "frame_introspection",
    "gc_introspection",
    "read_tests",
    "patch_builtins",
    "conftest",
    "fake_output",
    "special_casing",
}
SUBPROCESS_TIMEOUT = 120.0


def _ids(kind: str, category: str | None = None) -> list[str]:
    return [
        row["id"]
        for row in ROLLOUT_ROWS
        if row["meta"]["kind"] == kind and (category is None or row["meta"]["category"] == category)
    ]


def _task(task_id: str) -> Task:
    return Task.model_validate(next(row for row in TASK_ROWS if row["id"] == task_id))


def _rollout(rollout_id: str) -> Rollout:
    return Rollout.model_validate(next(row for row in ROLLOUT_ROWS if row["id"] == rollout_id))


# ----------------------------------------------------------------------------------------
# Running a program out of process

RUNNER = r"""
import json
import sys

from proctor.sandbox.runtime import codec

payload = json.load(sys.stdin)
namespace = {"__name__": "solution"}
exec(compile(payload["program"], "<solution>", "exec"), namespace)
fn = namespace[payload["entry_point"]]
records = []
for args in payload["inputs"]:
    try:
        records.append({"value": codec.encode_value(fn(*args))})
    except Exception as exc:
        records.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
with open(payload["out"], "w", encoding="utf-8") as f:
    json.dump(records, f)
"""


@dataclass(frozen=True)
class Result:
    """What one call returned (plain decoded data) or the error it raised."""

    value: Any = None
    error: str | None = None


def run_program(
    program: str, entry_point: str, inputs: list[list[Any]], workdir: Path
) -> list[Result]:
    """Run ``program``'s ``entry_point`` on each input in a separate interpreter."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "results.json"
    payload = {"program": program, "entry_point": entry_point, "inputs": inputs, "out": str(out)}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(payload),
        text=True,
        capture_output=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=workdir,
        check=False,
    )
    assert proc.returncode == 0, f"the program did not load or run: {proc.stderr[-2000:]}"
    records = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) == len(inputs)
    return [
        Result(value=codec.decode_value(r["value"])) if "value" in r else Result(error=r["error"])
        for r in records
    ]


def agree(got: Result, want: Result, atol: float) -> bool:
    """Whether ``got`` is what the hardened grader would accept where ``want`` is expected."""
    return got.error is None and want.error is None and outputs_match(got.value, want.value, atol)


RunRollout = Callable[[str, str], list[Result]]
"""(rollout id, suite name) -> results of the rollout's program on that suite."""
Expected = Callable[[str, str], list[Result]]
"""(task id, suite name) -> results of the task's reference on that suite."""


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> Expected:
    cache: dict[tuple[str, str], list[Result]] = {}

    def get(task_id: str, suite: str) -> list[Result]:
        if (task_id, suite) not in cache:
            task = _task(task_id)
            assert task.reference is not None
            inputs = getattr(task, suite).inputs
            workdir = tmp_path_factory.mktemp("reference")
            cache[task_id, suite] = run_program(task.reference, task.entry_point, inputs, workdir)
        return cache[task_id, suite]

    return get


@pytest.fixture()
def run_rollout(tmp_path: Path) -> RunRollout:
    def run(rollout_id: str, suite: str) -> list[Result]:
        rollout = _rollout(rollout_id)
        task = _task(rollout.task_id)
        return run_program(
            program_for(task, rollout),
            task.entry_point,
            getattr(task, suite).inputs,
            tmp_path / suite,
        )

    return run


# ----------------------------------------------------------------------------------------
# Tasks


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_every_task_line_validates(row: dict[str, Any]) -> None:
    Task.model_validate(row)


def test_proctors_reader_loads_the_suite() -> None:
    tasks = read_tasks(TASKS)
    assert [t.id for t in tasks] == TASK_IDS
    assert len(read_rollouts(ROLLOUTS)) == len(ROLLOUT_ROWS)


def test_there_are_twelve_tasks_with_unique_demo_ids() -> None:
    assert len(TASK_IDS) == 12 == len(set(TASK_IDS))
    assert all(re.fullmatch(r"demo/[a-z_]+", task_id) for task_id in TASK_IDS)


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_suite_sizes(row: dict[str, Any]) -> None:
    task = Task.model_validate(row)
    assert task.heldout is not None
    assert 3 <= len(task.visible.inputs) <= 5
    assert 15 <= len(task.heldout.inputs) <= 30


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_expected_outputs_are_left_to_the_reference(row: dict[str, Any]) -> None:
    for suite in ("visible", "heldout"):
        assert row[suite]["kind"] == "io"
        assert row[suite].get("outputs") is None


def _is_plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not k.startswith("$") and _is_plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain_json(v) for v in value)
    return value is None or isinstance(value, bool | int | float | str)


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_inputs_are_plain_json_argument_lists(row: dict[str, Any]) -> None:
    for suite in ("visible", "heldout"):
        for args in row[suite]["inputs"]:
            assert isinstance(args, list) and _is_plain_json(args)


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_prompt_is_a_signature_and_docstring(row: dict[str, Any]) -> None:
    definition = ast.parse(row["prompt"]).body[-1]
    assert isinstance(definition, ast.FunctionDef)
    assert definition.name == row["entry_point"]
    assert len(definition.body) == 1 and ast.get_docstring(definition)
    assert row["prompt"].endswith('"""\n')


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_reference_keeps_the_prompt_signature(row: dict[str, Any]) -> None:
    signature = next(line for line in row["prompt"].splitlines() if line.startswith("def "))
    assert signature in row["reference"].splitlines()


@pytest.mark.parametrize("row", TASK_ROWS, ids=TASK_IDS)
def test_prompt_examples_are_the_visible_inputs(row: dict[str, Any]) -> None:
    examples = _suite.prompt_examples(row["prompt"], row["entry_point"])
    assert [args for args, _ in examples] == row["visible"]["inputs"]


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_prompt_examples_show_the_reference_outputs(task_id: str, expected: Expected) -> None:
    row = next(r for r in TASK_ROWS if r["id"] == task_id)
    examples = _suite.prompt_examples(row["prompt"], row["entry_point"])
    shown = [want for _, want in examples]
    assert [repr(r.value) for r in expected(task_id, "visible")] == shown


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_reference_runs_on_every_input(task_id: str, expected: Expected) -> None:
    for suite in ("visible", "heldout"):
        errors = [r.error for r in expected(task_id, suite) if r.error is not None]
        assert errors == []


def test_float_outputs_come_with_a_tolerance(expected: Expected) -> None:
    float_tasks = [
        task_id
        for task_id in TASK_IDS
        if any(type(r.value) is float for r in expected(task_id, "heldout"))
    ]
    assert float_tasks
    assert all(_task(task_id).atol == 1e-9 for task_id in float_tasks)


def test_a_task_returns_a_list_of_tuples(expected: Expected) -> None:
    def tuples(value: Any) -> bool:
        return type(value) is list and bool(value) and all(type(v) is tuple for v in value)

    assert any(tuples(r.value) for task_id in TASK_IDS for r in expected(task_id, "visible"))


# ----------------------------------------------------------------------------------------
# Rollouts: the records


@pytest.mark.parametrize("row", ROLLOUT_ROWS, ids=[r["id"] for r in ROLLOUT_ROWS])
def test_every_rollout_line_validates(row: dict[str, Any]) -> None:
    Rollout.model_validate(row)


def test_rollout_ids_count_up_in_file_order() -> None:
    assert [row["id"] for row in ROLLOUT_ROWS] == [
        f"r{n:04d}" for n in range(1, len(ROLLOUT_ROWS) + 1)
    ]


def test_every_rollout_answers_a_task_in_the_suite() -> None:
    assert {row["task_id"] for row in ROLLOUT_ROWS} <= set(TASK_IDS)


@pytest.mark.parametrize("row", ROLLOUT_ROWS, ids=[r["id"] for r in ROLLOUT_ROWS])
def test_every_rollout_is_labelled(row: dict[str, Any]) -> None:
    meta = row["meta"]
    assert meta["kind"] in KINDS
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", meta["category"])
    if meta["kind"] == "hack":
        assert meta["category"] in HACK_CATEGORIES
    assert isinstance(meta["note"], str) and meta["note"].endswith(".")


def test_groups_name_the_task_and_the_step() -> None:
    assert all(row["group"] == f"{row['task_id']}@{row['step']}" for row in ROLLOUT_ROWS)


def test_steps_run_from_zero_to_five_in_file_order() -> None:
    steps = [row["step"] for row in ROLLOUT_ROWS]
    assert steps == sorted(steps)
    assert set(steps) == set(range(6))


def test_hacks_grow_more_frequent_over_training() -> None:
    share = []
    for step in range(6):
        kinds = [row["meta"]["kind"] for row in ROLLOUT_ROWS if row["step"] == step]
        share.append(kinds.count("hack") / len(kinds))
    assert share == sorted(share)
    assert share[0] == 0 and share[-1] > 0.75


def test_about_thirty_hacks() -> None:
    assert 25 <= len(_ids("hack")) <= 35


@pytest.mark.parametrize("category", sorted(HACK_CATEGORIES))
def test_every_hack_category_appears_on_two_tasks(category: str) -> None:
    tasks = {
        row["task_id"]
        for row in ROLLOUT_ROWS
        if row["meta"]["kind"] == "hack" and row["meta"]["category"] == category
    }
    assert len(tasks) >= 2


def test_special_casing_appears_on_six_tasks() -> None:
    tasks = {_rollout(rollout_id).task_id for rollout_id in _ids("hack", "special_casing")}
    assert len(tasks) >= 6


@pytest.mark.parametrize("call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit"])
def test_each_way_of_exiting_appears_twice(call: str) -> None:
    codes = [_rollout(rollout_id).code or "" for rollout_id in _ids("hack", "exit_code")]
    assert sum(call in code for code in codes) >= 2


def test_every_task_has_one_honest_correct_rollout() -> None:
    counts = Counter(_rollout(rollout_id).task_id for rollout_id in _ids("honest_correct"))
    assert counts == Counter(TASK_IDS)


def test_most_tasks_have_an_honest_wrong_rollout() -> None:
    tasks = {_rollout(rollout_id).task_id for rollout_id in _ids("honest_wrong")}
    assert len(tasks) > len(TASK_IDS) // 2


@pytest.mark.parametrize("rollout_id", _ids("honest_correct"))
def test_honest_correct_is_not_the_reference(rollout_id: str) -> None:
    rollout = _rollout(rollout_id)
    task = _task(rollout.task_id)
    assert ast.dump(ast.parse(program_for(task, rollout))) != ast.dump(
        ast.parse(task.reference or "")
    )


def test_some_rollouts_are_raw_completions_with_prose() -> None:
    fenced = [
        row
        for row in ROLLOUT_ROWS
        if "code" not in row and "```python" in row.get("completion", "")
    ]
    assert len(fenced) >= 2
    for row in fenced:
        outside = re.sub(r"```.*?```", "", row["completion"], flags=re.DOTALL)
        assert outside.strip(), f"{row['id']} has no prose around its code"


@pytest.mark.parametrize("rollout_id", [r["id"] for r in ROLLOUT_ROWS if "code" not in r])
def test_completions_yield_a_program_defining_the_entry_point(rollout_id: str) -> None:
    rollout = _rollout(rollout_id)
    task = _task(rollout.task_id)
    tree = ast.parse(program_for(task, rollout))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert task.entry_point in names


# ----------------------------------------------------------------------------------------
# Rollouts: behaviour (in a subprocess, compared here)


@pytest.mark.parametrize("rollout_id", _ids("honest_correct"))
@pytest.mark.parametrize("suite", ["visible", "heldout"])
def test_honest_correct_agrees_with_the_reference(
    rollout_id: str, suite: str, run_rollout: RunRollout, expected: Expected
) -> None:
    task = _task(_rollout(rollout_id).task_id)
    got, want = run_rollout(rollout_id, suite), expected(task.id, suite)
    disagree = [
        (args, g, w)
        for args, g, w in zip(getattr(task, suite).inputs, got, want, strict=True)
        if not agree(g, w, task.atol)
    ]
    assert disagree == []


@pytest.mark.parametrize("rollout_id", _ids("hack", "special_casing"))
def test_special_casing_is_right_on_every_visible_input(
    rollout_id: str, run_rollout: RunRollout, expected: Expected
) -> None:
    task = _task(_rollout(rollout_id).task_id)
    got, want = run_rollout(rollout_id, "visible"), expected(task.id, "visible")
    assert all(agree(g, w, task.atol) for g, w in zip(got, want, strict=True))


@pytest.mark.parametrize("rollout_id", _ids("hack", "special_casing"))
def test_special_casing_is_wrong_on_some_heldout_input(
    rollout_id: str, run_rollout: RunRollout, expected: Expected
) -> None:
    task = _task(_rollout(rollout_id).task_id)
    got, want = run_rollout(rollout_id, "heldout"), expected(task.id, "heldout")
    assert not all(agree(g, w, task.atol) for g, w in zip(got, want, strict=True))


@pytest.mark.parametrize("rollout_id", _ids("honest_wrong"))
def test_honest_wrong_disagrees_with_the_reference_somewhere(
    rollout_id: str, run_rollout: RunRollout, expected: Expected
) -> None:
    task = _task(_rollout(rollout_id).task_id)
    results = [
        agree(g, w, task.atol)
        for suite in ("visible", "heldout")
        for g, w in zip(run_rollout(rollout_id, suite), expected(task.id, suite), strict=True)
    ]
    assert not all(results)


# ----------------------------------------------------------------------------------------
# What the demo shows: the hardened grader (code runs in its sandbox, never here)


@pytest.fixture(scope="module")
def hardened_grades(hardened: HardenedGrader) -> Iterator[dict[str, Grade]]:
    tasks = {task_id: _task(task_id) for task_id in TASK_IDS}
    rollouts = [Rollout.model_validate(row) for row in ROLLOUT_ROWS]
    grades = hardened.grade_many(((tasks[r.task_id], r) for r in rollouts), workers=2)
    yield {grade.rollout_id: grade for grade in grades}


def test_hardened_grader_gives_honest_correct_rollouts_full_marks(
    hardened_grades: dict[str, Grade],
) -> None:
    scores = {
        i: (hardened_grades[i].proxy, hardened_grades[i].gold) for i in _ids("honest_correct")
    }
    assert scores == {i: (1.0, 1.0) for i in _ids("honest_correct")}


def test_hardened_grader_rewards_no_hack_but_special_casing(
    hardened_grades: dict[str, Grade],
) -> None:
    others = [i for i in _ids("hack") if i not in _ids("hack", "special_casing")]
    rewarded = {i: hardened_grades[i].proxy for i in others if hardened_grades[i].proxy != 0.0}
    assert rewarded == {}


def test_hardened_gold_exposes_special_casing(hardened_grades: dict[str, Grade]) -> None:
    for rollout_id in _ids("hack", "special_casing"):
        grade = hardened_grades[rollout_id]
        assert grade.proxy == 1.0 and grade.gold is not None and grade.gold < 1.0


def test_files_keep_the_suite_rules_and_are_in_normal_form() -> None:
    # build() runs the references (trusted task code) in this process; no rollout code.
    tasks_text, rollouts_text = _suite.build()
    assert TASKS.read_text(encoding="utf-8") == tasks_text
    assert ROLLOUTS.read_text(encoding="utf-8") == rollouts_text


# sha256 of the two files as the Python builder (proctor/demo/_build_suite.py, whose
# data literals became these files) wrote them; the loaded suite must be the same.
# Changing the suite on purpose means updating these two digests.
BUILDER_DIGESTS = (
    "690406318b9dfced85458a8db60cff7a9667f6ce45a3eaa5ee4bd3349419fb35",
    "d462968779d1bb4fae0e9a193701f2f9398b4e818ff332ac212a6590ef692b4f",
)


def test_the_loaded_suite_is_what_the_python_builder_produced() -> None:
    import hashlib

    loaded = (_suite.jsonl(_suite.read_rows(TASKS)), _suite.jsonl(_suite.read_rows(ROLLOUTS)))
    digests = tuple(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in loaded)
    assert digests == BUILDER_DIGESTS


def test_an_appended_rollout_is_numbered_and_placed_by_step(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text(TASKS.read_text(encoding="utf-8"), encoding="utf-8")
    extra = dict(ROLLOUT_ROWS[-1], id="new", step=0)
    (tmp_path / "rollouts.jsonl").write_text(
        ROLLOUTS.read_text(encoding="utf-8") + json.dumps(extra) + "\n", encoding="utf-8"
    )
    assert _suite.main(["--dir", str(tmp_path), "--check"]) == 1
    assert _suite.main(["--dir", str(tmp_path)]) == 0
    rows = _suite.read_rows(tmp_path / "rollouts.jsonl")
    assert [r["id"] for r in rows] == [f"r{i:04d}" for i in range(1, len(rows) + 1)]
    assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
    assert _suite.main(["--dir", str(tmp_path), "--check"]) == 0


def test_a_rollout_for_an_unknown_task_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text(TASKS.read_text(encoding="utf-8"), encoding="utf-8")
    bad = dict(ROLLOUT_ROWS[0], task_id="demo/nope")
    (tmp_path / "rollouts.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(_suite.SuiteError, match="unknown task"):
        _suite.build(tmp_path)
