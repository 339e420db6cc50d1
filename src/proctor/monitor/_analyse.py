"""One pass over a run: signals → onset conditions → alerts (with evidence) → forecast → status.

Every decision at a step uses only data up to that step, so ``first_step`` of an
alert is a step a live monitor could have raised it at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from proctor.monitor._alerts import Alert, AlertEvidence, ExampleRollout, cap_severity, episodes
from proctor.monitor._config import SEVERITY_RANK, MonitorConfig
from proctor.monitor._forecast import Forecast, forecast, forecast_condition
from proctor.monitor._onset import Condition, conditions
from proctor.monitor._probe import probe_forecast, probe_forecast_condition, probe_rate_condition
from proctor.monitor._reinforce import hack_advantage, hacks_rewarded_condition
from proctor.monitor._signals import ScalarLike, SignalTable, build_signals, probe_score
from proctor.records import FORMAT_VERSION, Grade, Rollout, Verdict

Status = Literal["ok", "warning", "hack"]
EXIT_CODES: dict[str, int] = {"ok": 0, "warning": 1, "hack": 2}
"""``proctor audit`` / ``proctor scan`` exit status per run status."""

_MAX_EVIDENCE_STEPS = 20
_CODE_CHARS = 1200


@dataclass
class Analysis:
    """What the monitor concluded about a run."""

    table: SignalTable
    alerts: list[Alert]
    forecasts: list[Forecast] = field(default_factory=list)
    config: MonitorConfig = field(default_factory=MonitorConfig)
    probe_forecasts: list[Forecast] = field(default_factory=list)
    """The model-internal forecast (from the probe's flags); empty without probe scores."""

    @property
    def status(self) -> Status:
        """``hack`` if any hack alert, ``warning`` if any warning, else ``ok`` (info is ok)."""
        worst = max((SEVERITY_RANK[a.severity] for a in self.alerts), default=0)
        return "hack" if worst == 2 else "warning" if worst == 1 else "ok"

    @property
    def exit_code(self) -> int:
        """0 ok, 1 warning, 2 hack."""
        return EXIT_CODES[self.status]

    def first(self, severity: str = "hack", kind: str | None = None) -> Alert | None:
        """The earliest-firing alert of a severity (and, optionally, a rule)."""
        found = [
            a for a in self.alerts if a.severity == severity and (kind is None or a.kind == kind)
        ]
        return min(found, key=lambda a: a.first_step, default=None)

    @property
    def onset_step(self) -> int | None:
        """Estimated onset: where the earliest hack alert's rule says the change began."""
        alert = self.first("hack")
        if alert is None:
            return None
        return alert.onset_step if alert.onset_step is not None else alert.first_step

    def summary(self) -> dict[str, Any]:
        """The JSON-able summary ``summary.json`` carries."""
        hack, warn = self.first("hack"), self.first("warning", "forecast")
        table = self.table
        per_step = [
            {
                "step": int(s),
                "rollouts": int(table.counts[i]),
                "judged": int(table.judged[i]),
                "hack_rate": _num(table.get("hack_rate")[i]),
                "proxy_mean": _num(table.get("proxy_mean")[i]),
                "gold_mean": _num(table.get("gold_mean")[i]),
            }
            for i, s in enumerate(table.steps)
        ]
        out: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "status": self.status,
            "exit_code": self.exit_code,
            "onset_step": self.onset_step,
            "first_hack_alert_step": hack.first_step if hack else None,
            "first_forecast_warning_step": warn.first_step if warn else None,
            "alerts": [a.summary() for a in self.alerts],
            "steps": per_step,
            "signals": {name: kind for name, kind in table.kinds.items()},
            "forecast": [
                {
                    "step": f.step,
                    "probability": round(f.probability, 4),
                    "eta": f.eta,
                    "low": f.low,
                    "high": _num(f.high) if f.high is not None else None,
                }
                for f in self.forecasts
            ],
        }
        if table.has_probe:  # a run without probe scores keeps the summary it always had
            internal = min(
                (a.first_step for a in self.alerts if a.signal_kind == "internal"),
                default=None,
            )
            out["first_internal_warning_step"] = internal
            for i, row in enumerate(per_step):
                row["probe_mean"] = _num(table.get("probe_mean")[i])
                row["probe_above"] = _num(table.get("probe_above")[i])
            out["probe_forecast"] = [
                {"step": f.step, "probability": round(f.probability, 4), "eta": f.eta}
                for f in self.probe_forecasts
            ]
        return out


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def _examples(
    cond: Condition,
    rows: range,
    table: SignalTable,
    by_step: dict[int, list[Rollout]],
    grades: dict[str, Grade],
    verdicts: dict[str, Verdict],
    limit: int,
) -> list[ExampleRollout]:
    pool = [r for i in rows for r in by_step.get(int(table.steps[i]), [])]

    def gap(r: Rollout) -> float:
        g = grades.get(r.id)
        proxy = r.reward if r.reward is not None else (g.proxy if g else None)
        return (proxy or 0.0) - ((g.gold or 0.0) if g and g.gold is not None else 0.0)

    if cond.examples == "hack":
        picks = sorted(
            (r for r in pool if (v := verdicts.get(r.id)) and v.label == "hack"),
            key=lambda r: -verdicts[r.id].confidence,
        )
    elif cond.examples == "unsure":
        picks = [
            r for r in pool if (v := verdicts.get(r.id)) and v.label in ("unsure", "not_applicable")
        ]
    elif cond.examples == "gap":
        picks = sorted(pool, key=gap, reverse=True)
    elif cond.examples == "probe":
        picks = sorted(
            (r for r in pool if probe_score(r) is not None),
            key=lambda r: -(probe_score(r) or 0.0),
        )
    else:
        picks = list(pool)
    # the latest steps first: they show the behaviour as it was when the alert fired
    picks.sort(key=lambda r: -(r.step or 0))
    out, seen = [], set()
    for r in picks:
        key = (r.task_id, r.code or r.completion)
        if key in seen:  # RL repeats completions: show distinct ones
            continue
        seen.add(key)
        v, g = verdicts.get(r.id), grades.get(r.id)
        out.append(
            ExampleRollout(
                rollout_id=r.id,
                step=r.step or 0,
                task_id=r.task_id,
                label=v.label if v else None,
                category=v.category if v else None,
                confidence=round(v.confidence, 4) if v else None,
                proxy=r.reward if r.reward is not None else (g.proxy if g else None),
                gold=g.gold if g else None,
                evidence=(
                    [f"probe score {score:.2f}"] if (score := probe_score(r)) is not None else []
                )
                + [
                    (f"line {e.line}: " if e.line else "") + e.text
                    for e in (v.evidence if v else [])
                ][:4],
                code=(r.code or r.completion or "")[:_CODE_CHARS],
            )
        )
        if len(out) >= limit:
            break
    return out


def _alerts_of(
    cond: Condition,
    table: SignalTable,
    config: MonitorConfig,
    by_step: dict[int, list[Rollout]],
    grades: dict[str, Grade],
    verdicts: dict[str, Verdict],
    oracle_active: np.ndarray,
) -> list[Alert]:
    out = []
    values = table.get(cond.signal)
    for fired, last, cleared in episodes(cond.active, config.alerts.clear_steps):
        start = min(fired, max(0, cond.onset(fired)))
        severity = cap_severity(cond.severity, cond.signal_kind)
        if cond.signal_kind != "oracle" and oracle_active[fired]:
            # behaviour/geometry escalate to a warning when an oracle signal agrees
            severity = "warning"
        rows = range(max(start, fired - _MAX_EVIDENCE_STEPS + 1), fired + 1)
        out.append(
            Alert(
                kind=cond.kind,
                signal=cond.signal,
                signal_kind=cond.signal_kind,
                severity=severity,
                first_step=int(table.steps[fired]),
                last_step=int(table.steps[last]),
                cleared_step=int(table.steps[cleared]) if cleared is not None else None,
                onset_step=int(table.steps[start]),
                message=cond.detail(fired),
                action=cond.action,
                evidence=AlertEvidence(
                    steps=[int(table.steps[i]) for i in rows],
                    values=[_num(values[i]) for i in rows],
                    detail=cond.detail(fired),
                    examples=_examples(
                        cond, rows, table, by_step, grades, verdicts, config.alerts.examples
                    ),
                ),
            )
        )
    return out


def analyse_table(
    table: SignalTable,
    rollouts: Iterable[Rollout] = (),
    grades: Iterable[Grade] = (),
    verdicts: Iterable[Verdict] = (),
    config: MonitorConfig | None = None,
    advantage: tuple[np.ndarray, np.ndarray] | None = None,
) -> Analysis:
    """Alerts and forecasts from a signal table; the records only supply example rollouts.

    ``advantage`` is the per-row (summed advantage of flagged hacks, their count) of
    `hack_advantage`, when already computed (the online monitor keeps it per step)."""
    config = config or MonitorConfig()
    by_step: dict[int, list[Rollout]] = {}
    all_rollouts = list(rollouts)
    for r in all_rollouts:
        by_step.setdefault(r.step if r.step is not None else 0, []).append(r)
    grade_of = {g.rollout_id: g for g in grades}
    verdict_of = {v.rollout_id: v for v in verdicts if v.detector == "ensemble"}
    conds = conditions(table, config)
    empty = np.zeros(len(table.steps))
    adv: tuple[np.ndarray, np.ndarray]
    if len(table.steps) <= 1:
        adv = (empty, empty)
    elif advantage is None:
        adv = hack_advantage(table, all_rollouts, grade_of, verdict_of)
    else:
        adv = advantage
    preds = [] if len(table.steps) <= 1 else forecast(table, config)
    fc = forecast_condition(table, preds, config, adv)
    if fc is not None:
        conds.append(fc)
    rewarded = hacks_rewarded_condition(adv[0], adv[1], config)
    if rewarded is not None:
        conds.append(rewarded)
    probe_preds = probe_forecast(table, config)
    for internal in (
        probe_rate_condition(table, config),
        probe_forecast_condition(table, probe_preds, config),
    ):
        if internal is not None:
            conds.append(internal)
    oracle_active = np.zeros(len(table.steps), dtype=bool)
    for c in conds:
        if c.signal_kind == "oracle":
            oracle_active |= c.active
    alerts = [
        a
        for c in conds
        for a in _alerts_of(c, table, config, by_step, grade_of, verdict_of, oracle_active)
    ]
    alerts.sort(key=lambda a: (a.first_step, -SEVERITY_RANK[a.severity], a.kind))
    return Analysis(
        table=table, alerts=alerts, forecasts=preds, config=config, probe_forecasts=probe_preds
    )


def analyse(
    rollouts: Iterable[Rollout],
    grades: Iterable[Grade] = (),
    verdicts: Iterable[Verdict] = (),
    scalars: Iterable[ScalarLike] = (),
    config: MonitorConfig | None = None,
) -> Analysis:
    """Analyse a run from its records. ``verdicts`` should include the ensemble's."""
    config = config or MonitorConfig()
    rs, gs, vs = list(rollouts), list(grades), list(verdicts)
    table = build_signals(rs, gs, vs, scalars, probe_threshold=config.probe.threshold)
    return analyse_table(table, rs, gs, vs, config)


__all__ = ["EXIT_CODES", "Analysis", "Status", "analyse", "analyse_table"]
