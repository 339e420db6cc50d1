"""Ensembles, group-relative rewards and step credit: formulas and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from proctor.transforms import (
    ensemble_mean,
    ensemble_uwo,
    ensemble_wco,
    group_advantage,
    group_win_rate,
    hard_gate,
    min_form_credit,
    par,
    standardize,
    step_returns,
    sum_form_credit,
    trajectory_return,
)

finite = st.floats(-100, 100, allow_nan=False)


def test_ensembles_match_their_formulas() -> None:
    s = np.array([[1.0, 4.0], [3.0, 0.0]])
    assert ensemble_mean(s).tolist() == [2.0, 2.0]
    assert ensemble_wco(s).tolist() == [1.0, 0.0]
    # population variance: [1, 4] -> 1.0 and 4.0
    assert ensemble_uwo(s, penalty=0.5).tolist() == pytest.approx([1.5, 0.0])


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 8)), elements=finite))
def test_wco_le_uwo_le_mean(s: np.ndarray) -> None:
    assert np.all(ensemble_wco(s) <= ensemble_mean(s) + 1e-9)
    assert np.all(ensemble_uwo(s, 0.3) <= ensemble_mean(s) + 1e-9)


def test_ensemble_member_missing_gives_no_reward() -> None:
    out = ensemble_mean([[1.0, np.nan], [2.0, 3.0]])
    assert out[0] == 1.5 and np.isnan(out[1])


def test_standardize_puts_members_on_one_scale() -> None:
    z = standardize([[1.0, 2.0, 3.0], [100.0, 200.0, 300.0], [5.0, 5.0, 5.0]])
    assert np.allclose(z[0], z[1]) and np.allclose(z[2], 0.0)


def test_group_win_rate_is_computed_within_groups() -> None:
    out = group_win_rate([1.0, 2.0, 3.0, 9.0, 5.0], ["a", "a", "b", "b", "c"])
    assert out.tolist() == [0.0, 1.0, 0.0, 1.0, 0.5]


def test_group_win_rate_counts_ties_half_and_skips_nan() -> None:
    out = group_win_rate([1.0, 1.0, np.nan, 0.0])
    assert out[:2].tolist() == [0.75, 0.75] and np.isnan(out[2]) and out[3] == 0.0


@given(
    st.lists(st.tuples(finite, st.sampled_from("abc")), min_size=1, max_size=15),
    st.randoms(use_true_random=False),
)
def test_group_transforms_are_permutation_equivariant(
    rows: list[tuple[float, str]], rnd: object
) -> None:
    r = np.array([x for x, _ in rows])
    g = np.array([k for _, k in rows])
    perm = np.arange(r.size)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    for fn in (group_win_rate, group_advantage):
        assert np.allclose(fn(r, g)[perm], fn(r[perm], g[perm]), equal_nan=True)


@given(arrays(np.float64, st.integers(2, 12), elements=finite))
def test_group_advantage_is_centred(r: np.ndarray) -> None:
    assert abs(float(group_advantage(r, scale=False).sum())) < 1e-6 * (1 + np.abs(r).sum())


@given(
    arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=st.floats(0, 1))
)
def test_pure_return_approaches_min_step_as_temperature_falls(p: np.ndarray) -> None:
    ret = trajectory_return(min_form_credit(p, temperature=1e-4))
    assert np.allclose(ret, p.min(axis=1), atol=1e-3)


@given(
    arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=st.floats(0, 1))
)
def test_pure_return_lies_between_min_and_mean(p: np.ndarray) -> None:
    ret = trajectory_return(min_form_credit(p, temperature=0.3))
    assert np.all(ret >= p.min(axis=1) - 1e-9) and np.all(ret <= p.mean(axis=1) + 1e-9)


def test_sum_form_pays_for_padding_steps_and_min_form_does_not() -> None:
    short = [0.9, 0.2, np.nan, np.nan]
    padded = [0.9, 0.2, 0.9, 0.9]  # same bad step, two easy steps added
    s = trajectory_return(sum_form_credit([short, padded]))
    m = trajectory_return(min_form_credit([short, padded], temperature=0.01))
    assert s[1] > s[0]
    assert m[1] == pytest.approx(m[0], abs=1e-3)


def test_step_returns_are_returns_to_go_with_padding_kept() -> None:
    out = step_returns([[1.0, 2.0, np.nan]])
    assert out[0, :2].tolist() == [3.0, 2.0] and np.isnan(out[0, 2])


def test_transforms_compose_and_keep_order() -> None:
    scores = np.array([[0.0, 2.0, 4.0], [0.0, 2.0, 4.0]])
    ref = np.zeros(3)
    out = hard_gate(par(ensemble_mean(scores), ref), [0.0, 0.0, 0.9])
    assert out[0] == pytest.approx(0.5) and out[1] > out[0] and out[2] == 0.0
