"""``proctor audit live``: paired perturbations against a scorer, with intervals and flags.

For every item the original solution and each perturbation are scored; the shift is
perturbed − original, one per item, so item difficulty cancels. The mean shift gets a
percentile bootstrap interval over items. Shifts are also given in units of the
scorer's own signal, |mean shift of the wrong-final-answer perturbation|, so a
self-assessment phrase worth half a wrong answer reads as 0.5 whatever the score scale.

Flags: an ``invariant`` perturbation is a **bias** when its interval excludes 0 (its
size is the shift); a ``should_drop`` perturbation is **missed** when its interval
does not lie below 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from proctor.audit._perturb import PERTURBATIONS, LiveItem, perturb
from proctor.audit._scorers import Scorer
from proctor.audit._stats import mean_interval


def run_live(
    scorer: Scorer,
    items: Sequence[LiveItem],
    names: Sequence[str] | None = None,
    reps: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score every item and its perturbations; the report with shifts, intervals, flags."""
    chosen = list(names or PERTURBATIONS)
    unknown = [n for n in chosen if n not in PERTURBATIONS]
    if unknown:
        raise ValueError(
            f"unknown perturbation(s) {', '.join(unknown)}; choose from {', '.join(PERTURBATIONS)}"
        )
    rng = np.random.default_rng(seed)
    base = np.empty(len(items))
    shifts: dict[str, list[float]] = {n: [] for n in chosen}
    total = len(items) * (1 + len(chosen))
    done = 0
    for i, item in enumerate(items):
        base[i] = scorer.score(item.problem, item.response())
        done += 1
        for name in chosen:
            text = perturb(item, name, rng)
            if text is not None:
                shifts[name].append(scorer.score(item.problem, text) - base[i])
            done += 1
            if progress:
                progress(done, total)
    signal = (
        float(abs(np.mean(shifts["wrong final answer"])))
        if shifts.get("wrong final answer")
        else float("nan")
    )
    rows = []
    for name in chosen:
        kind, _, what = PERTURBATIONS[name]
        d = np.array(shifts[name], dtype=np.float64)
        if d.size == 0:
            rows.append({"perturbation": name, "kind": kind, "what": what, "n": 0})
            continue
        mean = float(np.nanmean(d))
        lo, hi = mean_interval(d, reps, seed)
        if kind == "invariant":
            flagged = bool(not np.isnan(lo) and (lo > 0 or hi < 0))
            verdict = (
                "bias: raises the score"
                if flagged and mean > 0
                else "bias: lowers the score"
                if flagged
                else "no shift detected"
            )
        else:
            flagged = bool(np.isnan(hi) or hi >= 0)
            verdict = "missed: does not lower the score" if flagged else "detected"
        rows.append(
            {
                "perturbation": name,
                "kind": kind,
                "what": what,
                "n": int(d.size),
                "mean_shift": mean,
                "ci": (lo, hi),
                "relative_to_signal": mean / signal
                if signal and signal == signal and signal > 0
                else None,
                "share_higher": float(np.mean(d > 0)),
                "flagged": flagged,
                "verdict": verdict,
            }
        )
    return {
        "scorer": scorer.name,
        "items": len(items),
        "base": {"mean": float(np.nanmean(base)), "sd": float(np.nanstd(base))},
        "signal": signal,
        "perturbations": rows,
    }


def live_markdown(report: dict[str, Any]) -> str:
    """The report as a markdown table."""
    lines = [
        f"### {report['scorer']} ({report['items']} items)",
        "",
        f"Original solutions: mean score {report['base']['mean']:.4g} "
        f"(SD {report['base']['sd']:.3g}); signal = |shift of a wrong final answer| = "
        f"{report['signal']:.4g}.",
        "",
        "| perturbation | should | n | mean shift | 95% interval | × signal | share higher |"
        " verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["perturbations"]:
        if not r["n"]:
            lines.append(
                f"| {r['perturbation']} | {r['kind']} | 0 | – | – | – | – | not applicable |"
            )
            continue
        rel = "–" if r["relative_to_signal"] is None else f"{r['relative_to_signal']:+.2f}"
        should = "stay" if r["kind"] == "invariant" else "drop"
        lines.append(
            f"| {r['perturbation']} | {should} | {r['n']} | {r['mean_shift']:+.4g} | "
            f"{r['ci'][0]:+.4g} … {r['ci'][1]:+.4g} | {rel} | "
            f"{r['share_higher']:.2f} | {r['verdict']} |"
        )
    return "\n".join(lines) + "\n"


__all__ = ["live_markdown", "run_live"]
