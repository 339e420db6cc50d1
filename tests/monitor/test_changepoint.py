"""Online CUSUM / Page-Hinkley on synthetic series with a known change; offline ruptures."""

from __future__ import annotations

import numpy as np
import pytest

from proctor.monitor import cusum, offline_segments, page_hinkley


def _series(change: int | None, n: int = 60, shift: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.1, n)
    if change is not None:
        x[change:] += shift
    return x


@pytest.mark.parametrize("detector", [cusum, page_hinkley])
def test_alarms_shortly_after_a_known_upward_change(detector) -> None:
    cp = detector(_series(30), warmup=10, threshold=8.0)
    assert cp is not None and 30 <= cp.alarm <= 33
    assert 28 <= cp.start <= 31


@pytest.mark.parametrize("detector", [cusum, page_hinkley])
def test_false_alarms_on_stationary_series_are_rare(detector) -> None:
    # a 10-step warm-up sometimes underestimates the spread; alarms must stay rare, not absent
    alarms = sum(
        detector(_series(None, seed=s), warmup=10, threshold=8.0) is not None for s in range(30)
    )
    assert alarms <= 3


def test_upward_detectors_ignore_a_fall_but_both_directions_catch_it() -> None:
    falling = _series(30, shift=-1.0)
    assert cusum(falling, warmup=10) is None and page_hinkley(falling, warmup=10) is None
    both = page_hinkley(falling, warmup=10, direction="both")
    assert both is not None and both.alarm >= 30


def test_nan_steps_are_skipped_not_alarmed_on() -> None:
    x = _series(None)
    x[20:25] = np.nan
    assert cusum(x, warmup=10) is None


def test_offline_segments_find_the_change() -> None:
    pytest.importorskip("ruptures", reason="the changepoint extra (ruptures) is not installed")
    starts = offline_segments(_series(30))
    assert any(abs(s - 30) <= 1 for s in starts)


@pytest.mark.parametrize("change", [23, 37])
def test_offline_change_points_are_not_restricted_to_multiples_of_five(change: int) -> None:
    pytest.importorskip("ruptures", reason="the changepoint extra (ruptures) is not installed")
    starts = offline_segments(_series(change, shift=0.5, seed=change))
    assert any(abs(s - change) <= 1 for s in starts)


def test_offline_segments_rarely_split_stationary_noise() -> None:
    pytest.importorskip("ruptures", reason="the changepoint extra (ruptures) is not installed")
    split = sum(bool(offline_segments(_series(None, seed=100 + s))) for s in range(40))
    assert split <= 2
