"""The labelled onset rule on hand-made hack-rate series."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.bench.lab import onset_step


def test_onset_is_the_first_step_of_a_held_stretch() -> None:
    rates = [0.0, 0.3, 0.1, 0.0, 0.25, 0.5, 0.9, 1.0]
    assert onset_step(rates) == 4


def test_short_stretches_are_not_an_onset() -> None:
    assert onset_step([0.5, 0.5, 0.0, 0.6, 0.6, 0.1, 0.3, 0.3]) is None


def test_a_stretch_cut_off_by_the_run_end_is_not_an_onset() -> None:
    assert onset_step([0.0, 0.0, 0.9, 0.9]) is None


def test_nan_breaks_a_stretch() -> None:
    assert onset_step([0.5, math.nan, 0.5, 0.5]) is None


def test_named_steps_are_returned() -> None:
    assert onset_step([0.0, 0.4, 0.4, 0.4], steps=[10, 11, 12, 13]) == 11


def test_mismatched_steps_are_refused() -> None:
    with pytest.raises(ValueError):
        onset_step([0.1, 0.2], steps=[1])


@given(st.lists(st.floats(0, 1), max_size=60))
def test_onset_matches_its_definition(rates: list[float]) -> None:
    found = onset_step(rates)
    held = [i for i in range(len(rates) - 2) if all(r >= 0.25 for r in rates[i : i + 3])]
    assert found == (held[0] if held else None)
