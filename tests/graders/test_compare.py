"""Output comparison: strict on plain data, EvalPlus tolerance for floats."""

from __future__ import annotations

import pytest

from proctor.graders._compare import outputs_match, poly_root_ok


@pytest.mark.parametrize(
    ("out", "exp"),
    [
        (1, 1),
        ("a", "a"),
        ([1, 2], [1, 2]),
        ((1, 2), (1, 2)),
        ({"a": 1}, {"a": 1}),
        (None, None),
        (0.1 + 0.2, 0.3),
        ([1.0000001], [1.0]),
        (float("nan"), float("nan")),
        ({1, 2}, {2, 1}),
        (frozenset({(1, 2.0)}), frozenset({(1, 2.0)})),
        ({"k": [1.00000001]}, {"k": [1.0]}),
    ],
)
def test_matches(out: object, exp: object) -> None:
    assert outputs_match(out, exp)


@pytest.mark.parametrize(
    ("out", "exp"),
    [
        (1, 2),
        ("a", "b"),
        ([1, 2], (1, 2)),
        ([1, 2], [2, 1]),
        (None, 0),
        (0.31, 0.3),
        ([1.0, 2.0], [1.0]),
        ("1", 1),
        ([1.1], [1.0]),
        (True, 1),
        (1, True),
        (1.0, 1),
        (2, 2.0),
        ([True], [1]),
        ({1, 2}, frozenset({1, 2})),
        (frozenset({1}), {1}),
        ({True: "a"}, {1: "a"}),
        ({1.0}, {1}),
        ((1, [True]), (1, [1])),
    ],
)
def test_mismatches(out: object, exp: object) -> None:
    assert not outputs_match(out, exp)


def test_task_tolerance_widens_float_comparison() -> None:
    assert outputs_match(1.00009, 1.0, atol=1e-4)
    assert not outputs_match(1.0002, 1.0, atol=1e-4)


def test_poly_root_accepts_any_root() -> None:
    # x^2 - 1 has roots 1 and -1: both are right answers
    assert poly_root_ok([[-1, 0, 1]], 1.0, 0.0)
    assert poly_root_ok([[-1, 0, 1]], -1.0, 0.0)
    assert not poly_root_ok([[-1, 0, 1]], 0.5, 0.0)
    assert not poly_root_ok([[-1, 0, 1]], "1", 0.0)


@pytest.mark.parametrize(
    ("out", "exp"),
    [(True, 1), (1.0, 1), (2, 2.0), ({1, 2}, frozenset({1, 2})), ([True], [1])],
)
def test_evalplus_mode_keeps_python_equality(out: object, exp: object) -> None:
    # strict refuses these; the evalplus mode reproduces EvalPlus's ``==``
    assert not outputs_match(out, exp)
    assert outputs_match(out, exp, mode="evalplus")


def test_evalplus_mode_wants_the_same_type_under_tolerance() -> None:
    # EvalPlus asserts type(out) == type(exp) before np.allclose
    assert outputs_match([1.0000001], [1.0], mode="evalplus")
    assert not outputs_match((1.0000001,), [1.0], mode="evalplus")


def test_poly_root_takes_an_int_root_in_both_modes() -> None:
    # HumanEval/32's canonical solution returns the int 0 when xs[0] == 0
    assert poly_root_ok([[0, 2]], 0, 1e-4)
    assert poly_root_ok([[0, 2]], 0, 1e-4, mode="evalplus")


def test_deep_values_do_not_crash_the_judge() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    assert not outputs_match(deep, [[]])


def test_poly_root_verdict_does_not_depend_on_libm_pow(monkeypatch: pytest.MonkeyPatch) -> None:
    # HumanEval+ HumanEval/32 input 219: the canonical root's float sum of 4e13-sized
    # terms rounds to 0.0 here and to +-0.0078 where libm's pow differs by one bit
    xs = [9450000, 9, -7, 3, 2, 6, 1, -4, -10, 6, 17, -1]
    root = 17.3124550475086
    assert poly_root_ok([xs], root, 1e-4)
    import proctor.graders._compare as compare

    real_pow = compare.math.pow
    monkeypatch.setattr(compare.math, "pow", lambda x, i: real_pow(x, i) * (1 + 2**-52))
    assert poly_root_ok([xs], root, 1e-4)
    assert not poly_root_ok([xs], root + 1e-9, 1e-4)


def test_poly_root_refuses_non_finite_and_non_float_answers() -> None:
    assert not poly_root_ok([[-1, 0, 1]], float("inf"), 0.0)
    assert not poly_root_ok([[-1, 0, 1]], float("nan"), 0.0)
    assert not poly_root_ok([[-1, 0, 1]], True, 0.0)
