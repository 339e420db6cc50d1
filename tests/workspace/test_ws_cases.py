"""Held-out cases: parsing cases.toml, and judging what the child sent back."""

from __future__ import annotations

import json

import pytest

from proctor.sandbox.runtime import codec
from proctor.workspace._cases import judge_cases, parse_cases
from proctor.workspace._files import TaskError

GOOD = """
[names]
Item = "shop:Item"
total = "shop.pricing:total"

[[case]]
name = "one"
call = 'total([Item("a", 2)], tax=1)'
expect = '[Item(sku="a", qty=2), (1, 2.5), {"k": {3}}]'

[[case]]
name = "bad"
call = 'total(None)'
raises = "ValueError"
"""


def test_the_child_gets_calls_and_never_the_expected_values() -> None:
    cases = parse_cases(GOOD, "cases.toml")
    job = cases.job()
    assert "Item" in job and "2.5" not in job and "ValueError" not in job
    assert cases.expect[0] == (
        "value",
        [("obj", "Item", {"sku": "a", "qty": 2}), (1, 2.5), {"k": {3}}],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[case]]\nname = "x"\ncall = "f(1)"\nexpect = "1"\n', "names from [names]"),
        ('[names]\nf = "m:f"\n[[case]]\nname = "x"\ncall = "f(1)"\n', "exactly one of"),
        (
            '[names]\nf = "m:f"\n[[case]]\nname = "x"\ncall = "1 + 1"\nexpect = "2"\n',
            "must be a call",
        ),
        (
            '[names]\nf = "m:f"\n[[case]]\nname = "x"\ncall = "f(g(1))"\nexpect = "2"\n',
            "names from [names]",
        ),
        (
            '[names]\nf = "m:f"\n[[case]]\nname = "x"\ncall = "f(1)"\nexpect = "len(1)"\n',
            "Name(field=value",
        ),
        ('[names]\nf = "nope"\n', "module:attribute"),
    ],
)
def test_a_bad_cases_file_names_the_case_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(TaskError, match=r"cases\.toml") as info:
        parse_cases(text, "cases.toml")
    assert message in str(info.value)


def _line(secret: str, **record: object) -> bytes:
    return json.dumps({**record, "s": secret}).encode()


def test_records_without_the_secret_or_repeated_are_problems_and_ignored() -> None:
    cases = parse_cases(GOOD, "cases.toml")
    want = codec.dumps([("obj", "Item", {"sku": "a", "qty": 2}), (1, 2.5), {"k": {3}}])
    body = b"\n".join(
        [
            _line("s3", k="start"),
            _line("nope", k="case", i=1, o="raised", t=["ValueError"]),
            _line("s3", k="case", i=0, o="ok", v=want),
            _line("s3", k="case", i=0, o="ok", v=codec.dumps(0)),
            _line("s3", k="end"),
        ]
    )
    outcomes, problems, ended = judge_cases(cases, body, "s3", show_expected=False)
    assert ended and len(problems) == 2
    assert outcomes[0] is not None and outcomes[0].status == "pass"
    assert outcomes[1] is None  # the forged line counts for nothing


def test_a_raised_exception_passes_only_a_raises_case() -> None:
    cases = parse_cases(GOOD, "cases.toml")
    body = b"\n".join(
        [
            _line("s", k="start"),
            _line("s", k="case", i=0, o="raised", t=["ValueError", "Exception"], d="boom"),
            _line("s", k="case", i=1, o="raised", t=["ValueError", "Exception"], d="bad"),
            _line("s", k="end"),
        ]
    )
    outcomes, _, _ = judge_cases(cases, body, "s", show_expected=False)
    assert [o.status if o else None for o in outcomes] == ["error", "pass"]
