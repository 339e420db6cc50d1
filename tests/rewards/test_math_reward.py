"""`MathReward`: equivalence by math-verify, not string equality; bounded time."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.rewards import MathReward
from proctor.rewards._math import _Worker

pytest.importorskip("math_verify")


@pytest.fixture(scope="module")
def math_reward() -> Iterator[MathReward]:
    with MathReward(timeout=5, workers=1) as reward:
        yield reward


@pytest.mark.parametrize(
    ("completion", "answer"),
    [
        ("so the answer is $\\boxed{\\frac{1}{2}}$", "0.5"),
        ("Therefore $\\boxed{0.5}$.", "\\frac{1}{2}"),
        ("The final answer is $\\boxed{2\\sqrt{2}}$", "\\sqrt{8}"),
        ("We get $x = \\boxed{3}$", "3"),
    ],
)
def test_equivalent_answers_score_one(
    math_reward: MathReward, completion: str, answer: str
) -> None:
    assert math_reward.score(completion, answer).reward == 1.0


def test_a_wrong_answer_scores_zero(math_reward: MathReward) -> None:
    assert math_reward.score("so $\\boxed{4}$", "3").reward == 0.0


def test_no_answer_scores_zero_and_says_why(math_reward: MathReward) -> None:
    result = math_reward.score("I do not know.", "3")
    assert result.reward == 0.0 and result.error


def test_missing_reference_is_not_applicable(math_reward: MathReward) -> None:
    result = math_reward.score("$\\boxed{3}$", None)
    assert (result.reward, result.status) == (None, "not_applicable")


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 50), st.integers(1, 50))
def test_a_fraction_equals_its_reduced_form(math_reward: MathReward, p: int, q: int) -> None:
    reduced = Fraction(p, q)
    completion = f"The answer is $\\boxed{{\\frac{{{p}}}{{{q}}}}}$"
    gold = f"\\frac{{{reduced.numerator}}}{{{reduced.denominator}}}"
    assert math_reward.score(completion, gold).reward == 1.0


def test_a_worker_past_its_time_is_killed_and_replaced() -> None:
    worker = _Worker()
    try:
        assert worker.ask({"answer": "$\\boxed{1}$", "gold": "1", "timeout": 5}, 1e-4) is None
        reply = worker.ask({"answer": "$\\boxed{1}$", "gold": "1", "timeout": 5}, 60)
        assert reply is not None and reply["ok"] is True
    finally:
        worker.close()
