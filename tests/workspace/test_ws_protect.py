"""Restoring protected files from the pristine copy, and the findings that say what changed."""

from __future__ import annotations

import pytest

from proctor.workspace import protect

PYPROJECT = b'[project]\nname = "x"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'


@pytest.fixture()
def task(make_task):
    return make_task(
        {
            "calc/__init__.py": "def add(a, b):\n    return a + b\n",
            "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
            "tests/data/cases.json": "[1, 2]\n",
            "pyproject.toml": PYPROJECT.decode(),
        }
    )


def _kinds(findings):
    return [(f.kind, f.path) for f in findings]


def test_an_honest_source_change_is_kept_without_findings(task):
    files = {**task.pristine, "calc/__init__.py": b"def add(a, b):\n    return b + a\n"}
    restored, findings = protect(task, files)
    assert restored == files and findings == []


def test_a_modified_test_is_restored_with_its_diff(task):
    files = {**task.pristine, "tests/test_calc.py": b"def test_add():\n    assert True\n"}
    restored, findings = protect(task, files)
    assert restored["tests/test_calc.py"] == task.pristine["tests/test_calc.py"]
    assert _kinds(findings) == [("protected_modified", "tests/test_calc.py")]
    assert "+    assert True" in (findings[0].diff or "")


def test_a_deleted_fixture_file_is_restored(task):
    files = {p: d for p, d in task.pristine.items() if p != "tests/data/cases.json"}
    restored, findings = protect(task, files)
    assert "tests/data/cases.json" in restored
    assert _kinds(findings) == [("protected_deleted", "tests/data/cases.json")]


def test_an_added_conftest_anywhere_is_removed(task):
    restored, findings = protect(task, {**task.pristine, "calc/conftest.py": b"x = 1\n"})
    assert "calc/conftest.py" not in restored
    assert _kinds(findings) == [("protected_added", "calc/conftest.py")]


def test_an_added_pytest_ini_is_removed(task):
    restored, findings = protect(task, {**task.pristine, "pytest.ini": b"[pytest]\n"})
    assert "pytest.ini" not in restored and findings[0].kind == "protected_added"


def test_a_pyproject_change_outside_pytest_is_kept(task):
    files = {**task.pristine, "pyproject.toml": PYPROJECT.replace(b'"x"', b'"y"')}
    restored, findings = protect(task, files)
    assert restored["pyproject.toml"] == files["pyproject.toml"] and findings == []


def test_a_pyproject_pytest_table_change_restores_the_file(task):
    files = {**task.pristine, "pyproject.toml": PYPROJECT.replace(b'["tests"]', b'["docs"]')}
    restored, findings = protect(task, files)
    assert restored["pyproject.toml"] == PYPROJECT
    assert "pytest configuration" in findings[0].detail


def test_a_setup_cfg_pytest_section_added_is_removed(task):
    files = {**task.pristine, "setup.cfg": b"[tool:pytest]\naddopts = -p no:python\n"}
    restored, findings = protect(task, files)
    assert "setup.cfg" not in restored and findings[0].kind == "protected_added"


@pytest.mark.parametrize(
    "path", ["pytest.py", "_pytest/reports.py", "pluggy/__init__.py", "sitecustomize.py"]
)
def test_a_module_shadowing_the_runner_is_removed(task, path):
    restored, findings = protect(task, {**task.pristine, path: b"import sys\n"})
    assert path not in restored and _kinds(findings) == [("shadow_module", path)]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("report.xml", b'<?xml version="1.0"?><testsuite tests="3" failures="0"/>'),
        ("results.json", b'{"summary": {"passed": 3}}'),
        ("out/junit-1.xml", b"<testsuites><testsuite/></testsuites>"),
    ],
)
def test_a_file_shaped_like_a_test_report_is_removed(task, path, data):
    restored, findings = protect(task, {**task.pristine, path: data})
    assert path not in restored and _kinds(findings) == [("result_file", path)]


def test_an_ordinary_data_file_is_not_a_report(task):
    restored, findings = protect(task, {**task.pristine, "calc/table.json": b'{"a": 1}'})
    assert "calc/table.json" in restored and findings == []


def test_bare_bytecode_is_removed(task):
    restored, findings = protect(task, {**task.pristine, "calc/fast.pyc": b"\x00\x01"})
    assert "calc/fast.pyc" not in restored and findings[0].kind == "bytecode"
