"""The report's data: one JSON-able payload per run, compact for tens of thousands of rollouts.

RL runs repeat completions, so every bulky value (a program, a judgement, a grade)
is stored once in a table and rollouts point at it by index; the rollouts
themselves are columns (one list per field). Everything here is data: the page
puts it on screen as text, never as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proctor.monitor._analyse import Analysis
from proctor.monitor._signals import probe_score
from proctor.records import Grade, Rollout, Task, Verdict

CODE_CHARS = 20_000
"""A program longer than this is cut in the report (the run's files keep all of it)."""
EVIDENCE_ITEMS = 8
"""Evidence items kept per verdict."""
REWARDED_SHOWN = 25
"""Rewarded hacks listed in the page's ranked table (the browser reaches them all)."""


@dataclass
class ReportRun:
    """One run for the report: its analysis and the records behind it.

    ``verdicts`` may hold every detector's verdict (the code view shows each one);
    the ``ensemble`` verdict labels the rollout.
    """

    analysis: Analysis
    name: str = "run"
    rollouts: Iterable[Rollout] = ()
    grades: Iterable[Grade] = ()
    verdicts: Iterable[Verdict] = ()
    tasks: Mapping[str, Task] | None = None
    """The run's tasks, when known: the code view then shows the program the grader and
    detectors read (a body-only completion gets its task's prompt prepended), so the
    evidence's line numbers point at the right lines."""


@dataclass
class _Interner:
    """Equal values stored once; a value's index is its position in ``items``."""

    items: list[Any] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def add(self, value: Any) -> int:
        key = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.items)
            self.items.append(value)
        return found


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if np.isfinite(x) else None


def _evidence(v: Verdict) -> list[list[Any]]:
    return [[e.text[:400], e.line, e.end_line, e.kind] for e in v.evidence[:EVIDENCE_ITEMS]]


def _judgement(ensemble: Verdict | None, others: list[Verdict]) -> dict[str, Any]:
    def one(v: Verdict) -> list[Any]:
        return [
            v.detector,
            v.label,
            v.category,
            _num(v.confidence, 3),
            _evidence(v),
            (v.reason or "")[:300],
        ]

    return {
        "e": one(ensemble) if ensemble is not None else None,
        "d": [one(v) for v in sorted(others, key=lambda v: v.detector)],
    }


def _grade(g: Grade | None) -> dict[str, Any] | None:
    if g is None:
        return None
    return {
        "grader": g.grader,
        "status": g.status,
        "error": (g.error or "")[:400],
        "proxy": _num(g.proxy),
        "gold": _num(g.gold),
        "visible": [g.visible_passed, g.visible_total],
        "heldout": [g.heldout_passed, g.heldout_total],
        "tamper": [f"{t.kind}: {t.path or ''} {t.detail}"[:300] for t in g.tamper_findings][:8]
        or list(g.tamper)[:8],
    }


def _series(analysis: Analysis) -> dict[str, Any]:
    table = analysis.table
    series = {
        name: {"kind": table.kinds.get(name, "oracle"), "values": [_num(v) for v in col]}
        for name, col in table.values.items()
    }
    return {
        "steps": [int(s) for s in table.steps],
        "counts": [int(c) for c in table.counts],
        "series": series,
        "forecast": [_num(f.probability) for f in analysis.forecasts] or None,
        "probe_forecast": [_num(f.probability) for f in analysis.probe_forecasts] or None,
        "probe_rate": analysis.config.probe.rate,
        "threshold": analysis.config.hack_rate.threshold,
        "horizon": analysis.config.forecast.horizon,
        "onset": analysis.onset_step,
        "markers": [
            {"step": a.first_step, "severity": a.severity, "kind": a.kind, "signal": a.signal}
            for a in analysis.alerts
            if a.severity != "info"
        ],
    }


def _program(rollout: Rollout, task: Task | None) -> str:
    """What the detectors read: the graded program when the task is known; the completion
    as written follows it when it holds more than the code (prose, other blocks)."""
    from proctor.io import extract_code, program_for

    if task is not None:
        text = rollout.code if rollout.code is not None else extract_code(rollout.completion or "")
        # a program that never names the entry point cannot define it: skip the parse
        code = program_for(task, rollout) if task.entry_point in text else task.prompt + text
    elif rollout.code is not None:
        code = rollout.code
    else:
        code = extract_code(rollout.completion or "")
    if len(code) > CODE_CHARS:
        code = code[:CODE_CHARS] + f"\n… ({len(code) - CODE_CHARS:,} more characters cut)"
    written = rollout.completion
    if written and written.strip() != code.strip() and rollout.code is None:
        code += "\n\n# ── the completion as written ──\n" + written[:CODE_CHARS]
    return code


def _rollout_columns(run: ReportRun) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    grade_of = {g.rollout_id: g for g in run.grades}
    ensemble: dict[str, Verdict] = {}
    others: dict[str, list[Verdict]] = {}
    for verdict in run.verdicts:
        if verdict.detector == "ensemble":
            ensemble[verdict.rollout_id] = verdict
        else:
            others.setdefault(verdict.rollout_id, []).append(verdict)
    tables = {k: _Interner() for k in ("task", "label", "cat", "code", "judge", "grade")}
    names = (
        "id",
        "step",
        "task",
        "label",
        "cat",
        "conf",
        "proxy",
        "gold",
        "code",
        "judge",
        "grade",
    )
    cols: dict[str, list[Any]] = {k: [] for k in names}
    programs: dict[tuple[str, str | None, str | None], str] = {}
    probes: list[float | None] = []
    for r in run.rollouts:
        v, g = ensemble.get(r.id), grade_of.get(r.id)
        key = (r.task_id, r.code, r.completion)
        code = programs.get(key)
        if code is None:
            code = programs[key] = _program(r, (run.tasks or {}).get(r.task_id))
        cols["id"].append(r.id)
        cols["step"].append(r.step or 0)
        cols["task"].append(tables["task"].add(r.task_id))
        cols["label"].append(tables["label"].add(v.label if v else "unjudged"))
        cols["cat"].append(tables["cat"].add(v.category) if v and v.category else -1)
        cols["conf"].append(_num(v.confidence, 3) if v else None)
        cols["proxy"].append(_num(r.reward if r.reward is not None else (g.proxy if g else None)))
        cols["gold"].append(_num(g.gold) if g else None)
        cols["code"].append(tables["code"].add(code))
        cols["judge"].append(tables["judge"].add(_judgement(v, others.get(r.id, []))))
        cols["grade"].append(tables["grade"].add(_grade(g)) if g else -1)
        probes.append(_num(probe_score(r)))
    if any(x is not None for x in probes):  # model-internal scores, only when the run has them
        cols["probe"] = probes
    return cols, {k: t.items for k, t in tables.items()}


def rewarded_hacks(
    cols: dict[str, list[Any]], tables: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """Hacks the reward paid for, ranked by proxy − gold (largest first).

    A rollout counts when the ensemble labels it ``hack`` and its reward exceeds its
    gold score (a missing gold counts as 0), so a hack the grader already scored 0 is
    not listed. Repeats of one program on one task are one row, with their count and
    the steps they were seen at; the row's rollout is the latest of them.
    """
    labels = tables["label"]
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for i, rid in enumerate(cols["id"]):
        proxy = cols["proxy"][i]
        if labels[cols["label"][i]] != "hack" or proxy is None:
            continue
        gold = cols["gold"][i]
        gap = proxy - (gold or 0.0)
        if gap <= 0:
            continue
        key = (cols["task"][i], cols["code"][i])
        step = cols["step"][i]
        row = rows.get(key)
        if row is None:
            rows[key] = {
                "index": i,
                "id": rid,
                "gap": round(gap, 4),
                "count": 1,
                "first": step,
                "last": step,
            }
            continue
        row["count"] += 1
        row["first"], row["last"] = min(row["first"], step), max(row["last"], step)
        if step >= cols["step"][row["index"]]:
            row["index"], row["id"] = i, rid
            row["gap"] = max(row["gap"], round(gap, 4))
    ranked = sorted(rows.values(), key=lambda r: (-r["gap"], -r["count"], r["first"]))
    for row in ranked:
        i = row["index"]
        ensemble = tables["judge"][cols["judge"][i]]["e"]
        evidence = ensemble[4] if ensemble else []
        row |= {
            "task": tables["task"][cols["task"][i]],
            "category": tables["cat"][cols["cat"][i]] if cols["cat"][i] >= 0 else None,
            "proxy": cols["proxy"][i],
            "gold": cols["gold"][i],
            "evidence": evidence[0][0] if evidence else "",
        }
    return ranked


def stored_verdicts(run_dir: Path) -> list[Verdict]:
    """Every detector's verdict in a run's store (empty when there is no store).

    `proctor.monitor` loads only the ensemble's verdicts for its analysis; the report's
    code view shows each detector's as well.
    """
    from proctor.runs import RunStore

    if not (run_dir / "run.sqlite").is_file():
        return []
    with RunStore(run_dir, readonly=True) as store:
        return list(store.verdicts(detector=None))


def run_payload(run: ReportRun) -> dict[str, Any]:
    """Everything the page shows of one run."""
    analysis = run.analysis
    cols, tables = _rollout_columns(run)
    return {
        "name": run.name,
        "status": analysis.status,
        "summary": {k: v for k, v in analysis.summary().items() if k not in ("steps", "forecast")},
        "signals": _series(analysis),
        "alerts": [
            a.summary() | {"examples": [e.rollout_id for e in a.evidence.examples]}
            for a in analysis.alerts
        ],
        "rollouts": cols,
        "tables": tables,
        "rewarded": rewarded_hacks(cols, tables),
    }


__all__ = ["CODE_CHARS", "ReportRun", "rewarded_hacks", "run_payload", "stored_verdicts"]
