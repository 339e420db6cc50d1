"""Accuracy, best-of-n, bias probes and PRM first-error scores on synthetic tables."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from _audit_fixtures import one_correct_table

from proctor.audit import (
    best_of_n_curve,
    bias_probes,
    first_below,
    first_error_scores,
    one_vs_rest,
)


def test_one_vs_rest_counts_ties_as_misses() -> None:
    t = one_correct_table(problems=4)
    t = replace(t, score=np.tile(np.r_[1.0, 1.0, np.zeros(8)], 4))
    result = one_vs_rest(t)
    assert result is not None and result["accuracy"] == 0.0
    assert result["mrr"] == 0.5  # the tie ranks the correct one second


def test_perfect_scorer_is_always_right() -> None:
    t = one_correct_table(quality=100.0)
    result = one_vs_rest(t)
    assert result is not None and result["accuracy"] == 1.0


def test_anti_correlated_scorer_shows_over_optimisation() -> None:
    t = one_correct_table(quality=-3.0)
    bon = best_of_n_curve(t)
    assert bon is not None
    assert bon["peak_n"] == 1 and bon["drop_from_peak"] > 0.05
    assert bon["proxy_z"][-1] > bon["proxy_z"][0]  # the proxy keeps rising


def test_length_bias_is_flagged_and_absent_bias_is_not() -> None:
    biased = {p["feature"]: p for p in bias_probes(one_correct_table(length_bias=0.8), reps=100)}
    clean = {p["feature"]: p for p in bias_probes(one_correct_table(length_bias=0.0), reps=100)}
    assert biased["length"]["flagged"] and biased["length"]["effect"] > 0.3
    assert not clean["length"]["flagged"]


def test_processbench_f1_is_the_harmonic_mean_of_the_two_accuracies() -> None:
    label = np.array([2, 1, -1, -1])
    predicted = np.array([2, 0, -1, 3])  # one exact hit of two; one of two clean
    s = first_error_scores(predicted, label)
    assert s["accuracy_erroneous"] == 0.5 and s["accuracy_correct"] == 0.5
    assert s["f1"] == 0.5
    assert s["precision"] == 1 / 3  # three flagged, one exact


def test_first_below_returns_minus_one_without_a_dip() -> None:
    got = first_below([np.array([0.9, 0.4, 0.1]), np.array([0.8, 0.9])], 0.5)
    assert got.tolist() == [1, -1]
