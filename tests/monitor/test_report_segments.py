"""The report's offline change points (ruptures PELT, after the fact) on the oracle signals."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from proctor.monitor import analyse, render_report
from proctor.monitor._report import offline_change_points


def test_change_point_in_the_hack_rate_is_near_the_onset(make_run) -> None:
    pytest.importorskip("ruptures", reason="the changepoint extra (ruptures) is not installed")
    analysis = analyse(*make_run(12, steps=30, ramp=0.3, seed=1))
    points = offline_change_points(analysis)
    assert points is not None
    assert any(11 <= s <= 15 for s in points["hack_rate"])
    html = render_report(analysis)
    assert 'id="segments"' in html and "<code>hack_rate</code>: steps" in html


def test_benign_run_with_stray_hacks_has_no_change_point(make_run) -> None:
    pytest.importorskip("ruptures", reason="the changepoint extra (ruptures) is not installed")
    points = offline_change_points(analyse(*make_run(None, steps=30, base=0.1, seed=101)))
    assert points is not None and points["hack_rate"] == []


def test_without_ruptures_the_report_says_how_to_get_it(
    make_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_ruptures(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ruptures":
            raise ImportError("no ruptures here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ruptures)
    analysis = analyse(*make_run(12, steps=30))
    assert offline_change_points(analysis) is None
    assert "proctor[changepoint]" in render_report(analysis)
