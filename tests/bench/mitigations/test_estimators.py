"""best-of-n (exact) against brute force, the KL optimum's limits, the GRPO loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.bench.mitigations import (
    GRPOConfig,
    best_of_n,
    best_of_n_pools,
    kl_curve,
    kl_policy,
    tabular_grpo,
)


def brute_force(proxy: list[float], gold: list[float], n: int) -> float:
    """Every n-subset equally likely; ties among the best drawn broken uniformly."""
    total = 0.0
    subsets = list(itertools.combinations(range(len(proxy)), n))
    for subset in subsets:
        top = max(proxy[i] for i in subset)
        best = [i for i in subset if proxy[i] == top]
        total += sum(gold[i] for i in best) / len(best)
    return total / len(subsets)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1)), min_size=1, max_size=7))
def test_best_of_n_equals_brute_force_with_ties(pool: list[tuple[int, float]]) -> None:
    proxy = [float(p) for p, _ in pool]
    gold = [g for _, g in pool]
    ns = list(range(1, len(pool) + 1))
    exact = best_of_n(proxy, gold, ns)
    assert exact == pytest.approx([brute_force(proxy, gold, n) for n in ns], abs=1e-9)


def test_best_of_n_limits() -> None:
    proxy, gold = [3.0, 1.0, 2.0], [0.0, 1.0, 0.5]
    out = best_of_n(proxy, gold, [1, 3, 4])
    assert out[0] == pytest.approx(0.5)  # n=1: the pool's mean gold
    assert out[1] == 0.0  # n=N: the proxy's argmax, a hack here
    assert np.isnan(out[2])  # more draws than candidates


def test_best_of_n_drops_unrewarded_candidates() -> None:
    assert best_of_n([np.nan, 1.0], [1.0, 0.0], [1])[0] == 0.0


def test_best_of_n_pools_averages_over_pools() -> None:
    out = best_of_n_pools([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 0.0]], [2])
    assert out[0] == pytest.approx(0.5)


def test_kl_policy_limits() -> None:
    r = np.array([0.0, 1.0, 1.0, -2.0])
    assert np.allclose(kl_policy(r, 1e9), 0.25, atol=1e-6)  # β→∞: π0
    assert np.allclose(kl_policy(r, 0.0), [0, 0.5, 0.5, 0])  # β=0: argmax, ties shared
    assert np.allclose(kl_policy(r, 1e-3), [0, 0.5, 0.5, 0], atol=1e-6)


def test_kl_curve_gold_and_kl_move_with_beta() -> None:
    gold, kl = kl_curve([np.array([0.0, 1.0, 2.0])], [np.array([0.0, 1.0, 2.0])], [100.0, 0.0])
    assert gold[0] == pytest.approx(1.0, abs=0.01) and gold[1] == 2.0
    assert kl[0] == pytest.approx(0.0, abs=1e-3) and kl[1] == pytest.approx(np.log(3))


def test_grpo_converges_to_the_best_candidate_on_a_trivial_pool() -> None:
    proxy = np.array([[0.0, 0.2, 1.0, 0.1]])
    gold = np.array([[0.0, 0.0, 1.0, 0.0]])
    trace = tabular_grpo(proxy, gold, config=GRPOConfig(steps=150, kl_coef=0.0), seed=1)
    assert trace.gold[0] == pytest.approx(0.25)
    assert trace.gold[-1] > 0.95
    assert trace.kl[-1] > 1.0


def test_grpo_never_samples_padding() -> None:
    proxy = np.array([[1.0, np.nan], [0.0, 1.0]])
    gold = np.array([[1.0, 0.0], [0.0, 1.0]])
    trace = tabular_grpo(proxy, gold, config=GRPOConfig(steps=5), seed=0)
    assert trace.gold[0] == pytest.approx(0.75)  # pool 1 has one real candidate
