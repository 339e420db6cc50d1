"""The run monitor's hack alerts as a trainer hook: ``HackAlertCallback(alert=...)``.

`CodeReward(record_to=RUN_DIR)` records every rollout, grade and verdict in a run
store while training; `monitor_alert(RUN_DIR)` reads that store back and runs the
same analysis as ``proctor monitor audit`` (signals, onset rules, alerts), so the
trainer can checkpoint or stop on exactly the alerts the report will show.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path


def monitor_alert(
    run_dir: str | PathLike[str], *, every: int = 1, config: object | None = None
) -> Callable[[int], str | None]:
    """A function of the training step: the reason for an open *hack* alert, or ``None``.

    ``every`` re-analyses the store only every that many steps (the analysis reads
    the whole run; on long runs, every few steps is plenty) and repeats its last
    answer in between. ``config`` is a `proctor.monitor.MonitorConfig` (defaults when
    ``None``). A store that does not exist yet (nothing recorded) means no alert.
    Only hack-severity alerts count: they come from oracle-adjacent signals only.
    """
    from proctor.monitor import MonitorConfig, analyse
    from proctor.runs import RunStore

    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    if config is not None and not isinstance(config, MonitorConfig):
        raise TypeError("config must be a proctor.monitor.MonitorConfig")
    path = Path(run_dir)
    last: list[str | None] = [None]

    def check(step: int) -> str | None:
        if step % every and step != 0:
            return last[0]
        if not (path / "run.sqlite").exists():
            return None
        with RunStore(path, readonly=True) as store:
            analysis = analyse(
                store.rollouts(), store.grades(), store.verdicts(), store.scalars(), config
            )
        open_hacks = [a for a in analysis.alerts if a.severity == "hack" and a.cleared_step is None]
        last[0] = (
            "; ".join(f"run monitor: {a.message} (since step {a.first_step})" for a in open_hacks)
            or None
        )
        return last[0]

    return check


__all__ = ["monitor_alert"]
