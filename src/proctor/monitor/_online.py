"""`OnlineMonitor`: the monitor's alert rules, fed one training step at a time.

A trainer hook cannot re-read the whole run every step. Every signal of a step is
computed from that step's records alone (`step_row`), so the online monitor keeps
one row per finished step and the records of the step still being scored; at each
check it assembles the table from the rows and runs the same rules as
``proctor monitor report`` (`analyse_table`). Its alerts are the report's alerts,
at the same steps, less the example rollouts (records are not kept).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from proctor.monitor._alerts import Alert
from proctor.monitor._analyse import Analysis, analyse_table
from proctor.monitor._config import MonitorConfig
from proctor.monitor._reinforce import hack_advantage, store_advantage
from proctor.monitor._signals import SignalTable, StepRow, assemble, step_row
from proctor.records import Grade, Rollout, Verdict


class OnlineMonitor:
    """The run monitor's rules evaluated step by step (steps as the trainer numbers them).

    Feed each scored batch with `add`; call `check` at the end of each trainer step.
    """

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()
        self._rows: dict[int, StepRow] = {}
        self._advantage: dict[int, tuple[float, float]] = {}
        self._pending: dict[int, tuple[list[Rollout], dict[str, Grade], dict[str, Verdict]]] = {}
        self.analysis: Analysis | None = None

    def add(
        self, rollouts: Iterable[Rollout], grades: Iterable[Grade], verdicts: Iterable[Verdict]
    ) -> None:
        """Records of one scored batch (a step may come in several batches)."""
        grade_of = {g.rollout_id: g for g in grades}
        verdict_of = {v.rollout_id: v for v in verdicts if v.detector == "ensemble"}
        for r in rollouts:
            step = r.step if r.step is not None else 0
            members, gs, vs = self._pending.setdefault(step, ([], {}, {}))
            members.append(r)
            if r.id in grade_of:
                gs[r.id] = grade_of[r.id]
            if r.id in verdict_of:
                vs[r.id] = verdict_of[r.id]

    def _finish(self, step: int) -> None:
        members, gs, vs = self._pending.pop(step)
        if step in self._rows:  # a late batch for a finished step: recompute it whole
            raise ValueError(f"step {step} was already checked; feed a step before checking it")
        self._rows[step] = step_row(step, members, gs, vs, self.config.probe.threshold)
        one = SignalTable(steps=np.array([step], dtype=np.int64))
        total, count = hack_advantage(one, members, gs, vs)
        self._advantage[step] = (float(total[0]), float(count[0]))

    def check(self, step: int) -> list[Alert]:
        """Close every step up to ``step`` and return the alerts that open at ``step``."""
        for done in sorted(s for s in self._pending if s <= step):
            self._finish(done)
        rows = [self._rows[s] for s in sorted(self._rows)]
        table = assemble(rows, {})
        total = np.array([self._advantage[r.step][0] for r in rows])
        count = np.array([self._advantage[r.step][1] for r in rows])
        if len(rows) > 1:
            store_advantage(table, total, count)
        self.analysis = analyse_table(table, config=self.config, advantage=(total, count))
        return [a for a in self.analysis.alerts if a.first_step == step]

    def open_alerts(self, severity: str = "hack") -> list[Alert]:
        """Alerts of ``severity`` not cleared as of the last check."""
        if self.analysis is None:
            return []
        return [
            a for a in self.analysis.alerts if a.severity == severity and a.cleared_step is None
        ]


__all__ = ["OnlineMonitor"]
