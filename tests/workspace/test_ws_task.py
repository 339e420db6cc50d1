"""Workspace task directories: the manifest, the pristine tree, the held-out tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from ws_support import TINY

from proctor.workspace import TaskError, load_task
from proctor.workspace._task import compile_globs


def test_shipped_task_loads_manifest_and_both_trees(tasks):
    task = tasks["inventory"]
    assert task.import_roots == ["src"]
    assert "tests/test_pricing.py" in task.pristine
    assert "test_inventory_heldout.py" in task.heldout


def test_heldout_tests_are_not_in_the_pristine_workspace(tasks):
    for task in tasks.values():
        names = {path.rsplit("/", 1)[-1] for path in task.pristine}
        assert not names & {path.rsplit("/", 1)[-1] for path in task.heldout}


def test_a_directory_without_manifest_is_refused(tmp_path: Path):
    (tmp_path / "workspace").mkdir()
    with pytest.raises(TaskError, match=r"no task\.toml"):
        load_task(tmp_path)


def test_an_unknown_manifest_key_is_named(make_task):
    with pytest.raises(TaskError, match="testpath"):
        make_task(TINY, manifest='name = "tiny"\ntestpath = ["tests"]\n')


def test_testpaths_must_exist_in_the_workspace(make_task):
    with pytest.raises(TaskError, match="'spec' is not in workspace"):
        make_task(TINY, manifest='name = "tiny"\ntestpaths = ["spec"]\n')


def test_a_manifest_path_may_not_escape_the_workspace(make_task):
    with pytest.raises(TaskError, match="escapes"):
        make_task(TINY, manifest='name = "tiny"\nimport_roots = ["../elsewhere"]\n')


def test_heldout_tests_are_optional(make_task):
    assert not make_task(TINY).has_heldout


def test_digest_changes_with_a_test_file(make_task, tmp_path: Path):
    before = make_task(TINY).digest()
    (tmp_path / "task" / "workspace" / "tests" / "test_calc.py").write_text("def test_x(): pass\n")
    assert load_task(tmp_path / "task").digest() != before


@pytest.mark.parametrize(
    ("glob", "path", "hit"),
    [
        ("tests/**", "tests/a/b/test_x.py", True),
        ("**/test_*.py", "test_top.py", True),
        ("**/test_*.py", "pkg/deep/test_x.py", True),
        ("tests/*.py", "tests/a/test_x.py", False),
        ("**/conftest.py", "src/conftest.py", True),
        ("**/conftest.py", "src/myconftest.py", False),
    ],
)
def test_globs_span_directories_only_with_double_star(glob, path, hit):
    assert bool(compile_globs([glob]).match(path)) is hit


def test_the_sandbox_reads_pytests_import_closure_and_nothing_else():
    from proctor.workspace._sandbox import pytest_paths

    sites, readable = pytest_paths()
    names = {p.rsplit("/", 1)[-1] for p in readable}
    # computed by importing pytest in a fresh interpreter: its dependencies included
    assert {"_pytest", "pytest", "pluggy", "iniconfig"} <= names
    assert not names & {"numpy", "proctor", "site-packages"}
    assert all(any(r.startswith(s + "/") for s in sites) for r in readable)
