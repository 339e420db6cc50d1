"""Calibrated prefix values on a synthetic, deliberately miscalibrated PRM."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _audit_fixtures import prm_table

from proctor.audit import calibrate_prefixes, ece
from proctor.audit._calibrate import prefix_examples


def test_prefix_targets_turn_zero_at_the_first_error() -> None:
    _, y, _, k = prefix_examples([np.array([0.9, 0.8, 0.1, 0.7])], np.array([2]))
    assert y.tolist() == [1.0, 1.0, 0.0, 0.0] and k.tolist() == [0, 1, 2, 3]


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return calibrate_prefixes(prm_table(trajectories=200, power=3.0), folds=4)


def test_calibration_lowers_ece_on_held_out_problems(result: dict[str, Any]) -> None:
    assert result["ece"]["isotonic"] < result["ece"]["raw"] / 2
    assert result["ece"]["platt"] < result["ece"]["raw"]


def test_thresholds_are_chosen_per_training_fold(result: dict[str, Any]) -> None:
    # cubing pushed clean steps down to 0.2-1.0: the fixed 0.5 misreads them, a
    # threshold fitted on the training folds does not
    f1 = {k: v["f1"] for k, v in result["first_error"].items()}
    assert len(result["thresholds"]["isotonic"]) == 4
    assert f1["isotonic"] > f1["raw 0.5"] + 0.1


def test_ece_of_a_perfectly_calibrated_forecast_is_small() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    assert ece(p, (rng.uniform(0, 1, p.size) < p).astype(float)) < 0.02
