"""Tracker sinks: every signal under one namespace, ``proctor/<kind>/<signal>``.

``<kind>`` is ``oracle``, ``behavioural``, ``geometry`` or ``internal``; the forecast goes to
``proctor/forecast/onset_probability`` and open alerts to
``proctor/alerts/<severity>`` (how many are open at the step). TensorBoard (via
tensorboardX) is the default; W&B, MLflow and Trackio sit behind their extras
and are imported only when asked for.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Protocol

from proctor.monitor._analyse import Analysis

SinkName = Literal["tensorboard", "wandb", "mlflow", "trackio"]
_EXTRAS = {
    "tensorboard": ("tensorboardX", "tensorboard"),
    "wandb": ("wandb", "wandb"),
    "mlflow": ("mlflow", "mlflow"),
    "trackio": ("trackio", "trackio"),
}


class Sink(Protocol):
    """Where per-step metrics go."""

    def log(self, step: int, metrics: dict[str, float]) -> None:
        """Record the metrics of one step."""

    def close(self) -> None:
        """Flush and finish."""


def tag(kind: str, signal: str) -> str:
    """The tracker key of a signal: ``proctor/<kind>/<signal>``."""
    return f"proctor/{kind}/{signal}"


def _require(name: SinkName) -> ModuleType:
    module, extra = _EXTRAS[name]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"the {name} sink needs {module}: pip install 'proctor[{extra}]'"
        ) from exc


class TensorBoardSink:
    """tensorboardX ``SummaryWriter.add_scalar(tag, value, global_step)``."""

    def __init__(self, logdir: Path | str, module: ModuleType | None = None) -> None:
        self._writer = (module or _require("tensorboard")).SummaryWriter(str(logdir))

    def log(self, step: int, metrics: dict[str, float]) -> None:
        for key, value in metrics.items():
            self._writer.add_scalar(key, value, global_step=step)

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()


class WandbSink:
    """``wandb.init(...)`` then ``run.log(metrics, step=step)``, ``run.finish()``."""

    def __init__(self, module: ModuleType | None = None, **init: Any) -> None:
        self._run = (module or _require("wandb")).init(**init)

    def log(self, step: int, metrics: dict[str, float]) -> None:
        self._run.log(metrics, step=step)

    def close(self) -> None:
        self._run.finish()


class MlflowSink:
    """``mlflow.start_run()``, ``mlflow.log_metrics(metrics, step=step)``, ``mlflow.end_run()``."""

    def __init__(self, module: ModuleType | None = None, **start: Any) -> None:
        self._mlflow = module or _require("mlflow")
        self._mlflow.start_run(**start)

    def log(self, step: int, metrics: dict[str, float]) -> None:
        self._mlflow.log_metrics(metrics, step=step)

    def close(self) -> None:
        self._mlflow.end_run()


class TrackioSink:
    """``trackio.init(project=...)``, ``trackio.log(metrics, step=step)``, ``trackio.finish()``."""

    def __init__(self, module: ModuleType | None = None, **init: Any) -> None:
        self._trackio = module or _require("trackio")
        init.setdefault("project", "proctor")
        self._trackio.init(**init)

    def log(self, step: int, metrics: dict[str, float]) -> None:
        self._trackio.log(metrics, step=step)

    def close(self) -> None:
        self._trackio.finish()


def open_sink(
    name: SinkName = "tensorboard", logdir: Path | str = "runs/proctor", **options: Any
) -> Sink:
    """A sink by name. ``logdir`` is for TensorBoard; ``options`` go to the tracker's init."""
    if name == "tensorboard":
        return TensorBoardSink(logdir, options.pop("module", None))
    if name == "wandb":
        return WandbSink(**options)
    if name == "mlflow":
        return MlflowSink(**options)
    if name == "trackio":
        return TrackioSink(**options)
    raise ValueError(f"unknown sink {name!r}: use tensorboard, wandb, mlflow or trackio")


def metrics_by_step(analysis: Analysis) -> dict[int, dict[str, float]]:
    """Every finite signal value, the forecast and open-alert counts, keyed by step."""
    table = analysis.table
    out: dict[int, dict[str, float]] = {}
    for i, step in enumerate(table.steps):
        row: dict[str, float] = {}
        for name, col in table.values.items():
            if math.isfinite(float(col[i])):
                row[tag(table.kinds[name], name)] = float(col[i])
        if analysis.forecasts:
            row["proctor/forecast/onset_probability"] = analysis.forecasts[i].probability
        for severity in ("info", "warning", "hack"):
            row[f"proctor/alerts/{severity}"] = float(
                sum(
                    a.severity == severity
                    and a.first_step <= step
                    and (a.cleared_step is None or step < a.cleared_step)
                    for a in analysis.alerts
                )
            )
        out[int(step)] = row
    return out


def log_analysis(analysis: Analysis, sink: Sink) -> int:
    """Send a run's signals to a sink, step by step; returns how many values were logged."""
    count = 0
    for step, row in metrics_by_step(analysis).items():
        sink.log(step, row)
        count += len(row)
    return count


__all__ = [
    "MlflowSink",
    "Sink",
    "SinkName",
    "TensorBoardSink",
    "TrackioSink",
    "WandbSink",
    "log_analysis",
    "metrics_by_step",
    "open_sink",
    "tag",
]
