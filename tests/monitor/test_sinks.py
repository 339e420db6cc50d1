"""Tracker sinks: one namespace, TensorBoard for real, the others against fakes of their API."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from proctor.monitor import analyse, log_analysis, metrics_by_step, open_sink, tag
from proctor.monitor._sinks import MlflowSink, TrackioSink, WandbSink


def test_every_key_is_under_the_proctor_namespace(make_run) -> None:
    rows = metrics_by_step(analyse(*make_run(10, steps=20)))
    keys = {k for row in rows.values() for k in row}
    assert tag("oracle", "hack_rate") in keys and "proctor/behavioural/length_mean" in keys
    assert all(re.match(r"proctor/(oracle|behavioural|geometry|forecast|alerts)/", k) for k in keys)


import re  # noqa: E402  (used above; kept next to its only user)


def test_tensorboard_writes_event_files(tmp_path: Path, make_run) -> None:
    pytest.importorskip("tensorboardX")
    sink = open_sink("tensorboard", tmp_path)
    assert log_analysis(analyse(*make_run(10, steps=12)), sink) > 0
    sink.close()
    assert list(tmp_path.glob("events.out.tfevents.*"))


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []


def _fake_wandb(rec: _Recorder) -> types.ModuleType:
    mod = types.ModuleType("wandb")

    class Run:
        def log(self, data: dict[str, float], step: int) -> None:
            rec.calls.append(("log", (step, data)))

        def finish(self) -> None:
            rec.calls.append(("finish", None))

    mod.init = lambda **kw: rec.calls.append(("init", kw)) or Run()  # type: ignore[attr-defined]
    return mod


def _fake_module(name: str, rec: _Recorder, log: str, start: str, end: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    setattr(mod, start, lambda **kw: rec.calls.append(("init", kw)))
    setattr(mod, log, lambda data, step: rec.calls.append(("log", (step, data))))
    setattr(mod, end, lambda: rec.calls.append(("finish", None)))
    return mod


@pytest.mark.parametrize(
    "make",
    [
        lambda rec: WandbSink(module=_fake_wandb(rec), project="p"),
        lambda rec: MlflowSink(
            module=_fake_module("mlflow", rec, "log_metrics", "start_run", "end_run")
        ),
        lambda rec: TrackioSink(
            module=_fake_module("trackio", rec, "log", "init", "finish"), project="p"
        ),
    ],
)
def test_optional_trackers_get_one_call_per_step(make, make_run) -> None:
    rec = _Recorder()
    sink = make(rec)
    analysis = analyse(*make_run(10, steps=12))
    log_analysis(analysis, sink)
    sink.close()
    logs = [c[1] for c in rec.calls if c[0] == "log"]
    assert rec.calls[0][0] == "init" and rec.calls[-1][0] == "finish"
    assert [s for s, _ in logs] == list(range(12))
    assert all(k.startswith("proctor/") for _, data in logs for k in data)


def test_missing_tracker_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r"proctor\[wandb\]"):
        open_sink("wandb")
