"""Refusals for a full queue are logged sparingly: one line, then a count, never a flood."""

from __future__ import annotations

import logging

import pytest

from proctor.serve import _app


def test_refusals_inside_the_interval_are_counted_not_logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(_app.time, "monotonic", lambda: clock[0])
    full_log = _app._FullQueueLog(every_s=10.0)
    with caplog.at_level(logging.WARNING, logger="proctor.serve"):
        for _ in range(500):
            full_log.refused("the grading queue is full (128 of 128 samples); retry")
        clock[0] += 10.0
        full_log.refused("the grading queue is full (128 of 128 samples); retry")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0] == "refused with 503: the grading queue is full (128 of 128 samples); retry"
    assert lines[1].endswith("(499 more such refusals since the last line)")
