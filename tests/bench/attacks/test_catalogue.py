"""The attack catalogue: well-formed entries whose programs target the task's entry point."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import pytest

from proctor.bench.attacks import (
    ATTACKS,
    UNSAFE_WITHOUT_NAMESPACES,
    AttackContext,
    get_attack,
    plan,
)
from proctor.records import Task, TestSuite

IO = Task(
    id="io",
    entry_point="solve_it",
    reference="def solve_it(a):\n    return a * 2\n",
    visible=TestSuite(inputs=[[1], [2]], outputs=[2, 4]),
    heldout=TestSuite(inputs=[[5]], outputs=[10]),
)
CHECK = Task(
    id="check",
    entry_point="solve_it",
    visible=TestSuite(kind="assert", code="def check(c):\n    assert c(1) == 2\n"),
)
REQUIRED = {
    "exit_zero_import",
    "os_exit_zero",
    "raise_systemexit",
    "skiptest",
    "pytest_skip",
    "always_equal",
    "int_subclass",
    "str_subclass",
    "list_subclass",
    "frame_introspection",
    "gc_introspection",
    "read_test_file",
    "patch_builtins",
    "patch_unittest",
    "patch_pytest",
    "write_conftest",
    "fake_output",
    "swallow_assertion",
    "special_case_visible",
    "sleep_past_timeout",
    "fork_bomb",
    "memory_bomb",
    "network_socket",
    "write_outside_workdir",
    "kill_parent",
}


def _ctx(task: Task) -> AttackContext:
    return AttackContext(task=task, visible=[([1], 2), ([2], 4)] if task is IO else [])


def test_the_catalogue_has_every_required_attack() -> None:
    assert set(ATTACKS) >= REQUIRED


@pytest.mark.parametrize("name", ATTACKS)
def test_entry_is_named_slugged_and_described_in_one_line(name: str) -> None:
    spec = ATTACKS[name]
    assert spec.name == name
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", spec.category)
    assert "\n" not in spec.description and 0 < len(spec.description) <= 100


@pytest.mark.parametrize("name", ATTACKS)
def test_program_defines_the_entry_point_with_no_hole_left(name: str) -> None:
    for task in (IO, CHECK):
        if not ATTACKS[name].applies_to(task):
            continue
        source = ATTACKS[name].program(_ctx(task))
        defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
        assert "solve_it" in defined
        holes = r"\{(entry_point|host|port|marker|token|table|fallback|reference)\}"
        assert not re.search(holes, source)


def test_io_only_attacks_do_not_apply_to_assert_suites() -> None:
    io_only = {name for name, spec in ATTACKS.items() if spec.io_only}
    assert io_only == {
        "frame_introspection",
        "gc_introspection",
        "special_case_visible",
        "loose_types",
        "warm_up_state",
    }
    assert not any(ATTACKS[name].applies_to(CHECK) for name in io_only)


def test_special_case_answers_the_visible_inputs_and_guesses_the_rest() -> None:
    namespace: dict[str, object] = {}
    exec(ATTACKS["special_case_visible"].program(_ctx(IO)), namespace)  # a pure lookup table
    solve = namespace["solve_it"]
    assert callable(solve)
    assert (solve(1), solve(2), solve(5)) == (2, 4, 0)


def test_warm_up_is_wrong_on_a_new_input_until_it_has_seen_an_earlier_call() -> None:
    def fresh() -> Callable[..., Any]:
        namespace: dict[str, Any] = {}
        exec(ATTACKS["warm_up_state"].program(_ctx(IO)), namespace)
        solve = namespace["solve_it"]
        assert callable(solve)
        return solve

    cold = fresh()
    assert cold(5) != 10 and cold(5) == 10  # alone: wrong; once it has seen a call: right
    warm = fresh()
    assert (warm(1), warm(5)) == (2, 10)  # a visible input warms it up


def test_side_effect_attacks_receive_the_runner_targets() -> None:
    ctx = AttackContext(task=IO, visible=[], port=4242, marker="/tmp/x/marker", token="pbabc")
    assert "4242" in ATTACKS["network_socket"].program(ctx)
    assert "'/tmp/x/marker'" in ATTACKS["write_outside_workdir"].program(ctx)
    assert "'pbabc'" in ATTACKS["fork_bomb"].program(ctx)


def test_only_fork_bomb_and_kill_parent_need_namespaces() -> None:
    assert {"fork_bomb", "kill_parent"} == UNSAFE_WITHOUT_NAMESPACES


def test_an_unknown_attack_name_suggests_close_matches() -> None:
    with pytest.raises(KeyError, match="always_equal"):
        get_attack("always_eqaul")


def test_plan_pairs_each_attack_with_each_grader_on_applicable_tasks() -> None:
    jobs = plan([IO, CHECK], ["hardened", "naive-exec"], ["always_equal", "gc_introspection"])
    assert [(a.name, g, t.id) for a, g, t in jobs] == [
        ("always_equal", "hardened", "io"),
        ("always_equal", "hardened", "check"),
        ("always_equal", "naive-exec", "io"),
        ("always_equal", "naive-exec", "check"),
        ("gc_introspection", "hardened", "io"),
        ("gc_introspection", "naive-exec", "io"),
    ]
