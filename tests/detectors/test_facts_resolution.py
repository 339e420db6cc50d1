"""CodeFacts: names resolved through disguises, strings folded, code under exec analysed."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.detectors._facts import CodeFacts
from proctor.detectors._fold import UNKNOWN


def _names(source: str) -> set[str | None]:
    return {c.name for c in CodeFacts(source).calls}


@pytest.mark.parametrize(
    "source",
    [
        "import sys as s\ns.exit(0)",
        "from sys import exit as bye\nbye(0)",
        "import sys\ne = sys.exit\ne(0)",
        "getattr(__import__('sys'), 'exit')(0)",
        "getattr(__import__('s' + 'ys'), ''.join(map(chr, [101, 120, 105, 116])))(0)",
        "getattr(__import__('sys'), 'tixe'[::-1])(0)",
        "import importlib\nimportlib.import_module('sys').exit(0)",
        "import sys\nsys.modules['sys'].exit(0)",
        "import sys\nvars(sys)['exit'](0)",
        "import sys\ndef f(x, _q=sys.exit):\n    _q(0)",
        f"import base64\nexec(base64.b64decode({base64.b64encode(b'import sys; sys.exit(0)')!r}))",
        "import codecs\nexec(codecs.decode('vzcbeg flf; flf.rkvg(0)', 'rot13'))",
    ],
)
def test_sys_exit_is_found_behind(source: str) -> None:
    assert "sys.exit" in _names(source)


def test_a_local_name_shadowing_a_builtin_is_not_the_builtin() -> None:
    assert "builtins.exit" not in _names("def exit(code):\n    return code\nexit(0)")


def test_folding_builds_fstrings_and_decodes() -> None:
    facts = CodeFacts("x = 1")
    import ast

    expr = ast.parse("f\"{'ab'}c\" + bytes.fromhex('6465').decode()", mode="eval").body
    assert facts.folder.fold(expr) == "abcde"


def test_folding_refuses_a_memory_bomb() -> None:
    import ast

    facts = CodeFacts("x = 1")
    assert facts.folder.fold(ast.parse("' ' * (2 ** 40)", mode="eval").body) is UNKNOWN


def test_exec_of_a_parameter_is_input_evaluation_not_hidden_code() -> None:
    facts = CodeFacts("def solve(expr):\n    return eval(expr)\n")
    assert [e.kind for e in facts.execs] == ["param"]


def test_main_guard_is_marked() -> None:
    facts = CodeFacts("import sys\nif __name__ == '__main__':\n    sys.exit(0)\n")
    assert [c.where.main_guard for c in facts.calls_to("sys.exit")] == [True]


def test_live_functions_follow_calls_from_the_entry_point() -> None:
    facts = CodeFacts("def a():\n    return b()\ndef b():\n    return 1\ndef main():\n    a()\n")
    assert facts.live_functions("a") == {"a", "b"}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_on_arbitrary_text(text: str) -> None:
    facts = CodeFacts(text)
    assert facts.tree is not None or facts.error is not None
