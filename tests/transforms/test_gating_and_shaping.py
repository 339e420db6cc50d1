"""Gating, PAR, log-sigmoid and the length penalty: formulas, bounds, NaN pass-through."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.transforms import (
    hard_gate,
    log_sigmoid,
    overlong_penalty,
    par,
    soft_gate,
    soft_overlong,
)

reward = st.floats(-50, 50, allow_nan=False)
prob = st.floats(0, 1)


def test_hard_gate_zeroes_flagged_rewards_only() -> None:
    out = hard_gate([1.0, 1.0, 0.5], [0.9, 0.1, 0.5])
    assert out.tolist() == [0.0, 1.0, 0.0]


def test_soft_gate_scales_by_probability_of_honesty() -> None:
    assert np.allclose(soft_gate([1.0, 2.0], [0.75, 0.0]), [0.25, 2.0])


def test_gates_keep_nan_rewards_and_ignore_missing_verdicts() -> None:
    r = [np.nan, 1.0]
    p = [0.9, np.nan]
    for out in (hard_gate(r, p), soft_gate(r, p)):
        assert np.isnan(out[0]) and out[1] == 1.0


def test_gate_rejects_probabilities_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        soft_gate([1.0], [1.5])


@given(st.lists(st.tuples(reward, prob), min_size=1, max_size=20))
def test_soft_gate_never_pays_more_than_the_reward_in_magnitude(
    rows: list[tuple[float, float]],
) -> None:
    r, p = map(np.array, zip(*rows, strict=True))
    out = soft_gate(r, p)
    assert np.all(np.abs(out) <= np.abs(r) + 1e-12)
    assert np.all(hard_gate(r, p)[p >= 0.5] == 0.0)


def test_par_matches_formula_with_several_references() -> None:
    out = par([1.0], [[0.0, 2.0]], scale=2.0)
    expected = 0.5 * (1 / (1 + np.exp(-2.0)) + 1 / (1 + np.exp(2.0)))
    assert out[0] == pytest.approx(expected)


@given(st.lists(reward, min_size=2, max_size=20), st.lists(reward, min_size=1, max_size=5))
def test_par_is_bounded_and_monotone(rewards: list[float], refs: list[float]) -> None:
    r = np.sort(np.array(rewards))
    ref = np.tile(refs, (r.size, 1))
    out = par(r, ref)
    assert np.all((out >= 0) & (out <= 1))
    assert np.all(np.diff(out) >= -1e-12)


def test_par_ignores_missing_references_and_keeps_nan_rewards() -> None:
    out = par([0.0, np.nan], [[0.0, np.nan], [0.0, 1.0]])
    assert out[0] == pytest.approx(0.5) and np.isnan(out[1])


@given(st.lists(st.tuples(reward, reward), min_size=2, max_size=20))
def test_log_sigmoid_is_nonpositive_monotone_and_stable(rows: list[tuple[float, float]]) -> None:
    r, ref = map(np.array, zip(*rows, strict=True))
    out = log_sigmoid(r, ref)
    assert np.all(np.isfinite(out)) and np.all(out <= 0)
    order = np.argsort(r - ref)
    assert np.all(np.diff(out[order]) >= -1e-12)


def test_log_sigmoid_value_and_extremes() -> None:
    out = log_sigmoid([0.0, 1000.0, -1000.0], [0.0, 0.0, 0.0])
    assert out[0] == pytest.approx(np.log(0.5))
    assert out[1] == pytest.approx(0.0) and out[2] == pytest.approx(-1000.0)


def test_soft_overlong_penalty_shape() -> None:
    out = soft_overlong([1.0, 1.0, 1.0, np.nan], [100, 950, 1200, 100], 1000, 100)
    assert out[:3].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert np.isnan(out[3])


@given(st.lists(st.integers(0, 3000), min_size=2, max_size=30))
def test_overlong_penalty_is_bounded_and_nonincreasing_in_length(lengths: list[int]) -> None:
    out = overlong_penalty(sorted(lengths), 1000, 200)
    assert np.all((out <= 0) & (out >= -1))
    assert np.all(np.diff(out) <= 1e-12)
