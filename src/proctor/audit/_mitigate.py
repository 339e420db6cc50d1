"""From audit to mitigation: which transform answers which finding, and what it does
to the same scores.

`suggest` maps a card's findings to the transforms in `proctor.transforms`;
`run_suggestion` applies one to the audited scores and measures the card's own
read-outs before and after (best-of-n gold at the largest n, 1-vs-rest accuracy,
reward to wrong answers, the bias probe it targets). A transform that cannot change a
best-of-n pick (PAR is monotone within a problem) is reported as such, not dressed up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from proctor.audit._accuracy import best_of_n_curve, one_vs_rest
from proctor.audit._bias import bias_probes
from proctor.audit._prm import wrong_answer_reward
from proctor.audit._rewardmath import pad_steps
from proctor.audit._stats import group_members
from proctor.audit._table import Floats, ScoreTable

TRANSFORMS = {
    "soft_overlong": "length penalty (DAPO soft overlong)",
    "ensemble_uwo": "ensemble of scorers, uncertainty-weighted (UWO)",
    "par": "Preference-As-Reward (bounded, reference-relative)",
    "min_form_credit": "min-form aggregation of step rewards (PURE)",
    "hard_gate": "gating by an answer checker or detector verdict",
}


def suggest(card: dict[str, Any]) -> list[dict[str, Any]]:
    """One suggestion per finding of ``card`` (a `build_card` result)."""
    out: list[dict[str, Any]] = []

    def add(finding: str, transform: str, size: float, why: str) -> None:
        out.append(
            {
                "finding": finding,
                "transform": transform,
                "name": TRANSFORMS[transform],
                "size": size,
                "why": why,
            }
        )

    for probe in card.get("biases", []):
        if not probe["flagged"]:
            continue
        if probe["feature"] in ("length", "steps") and probe["effect"] > 0:
            add(
                probe["probe"],
                "soft_overlong",
                probe["effect"],
                "longer solutions of equal correctness score higher: penalise length",
            )
        elif probe["kind"] != "correlation":
            add(
                probe["probe"],
                "ensemble_uwo",
                probe["effect"],
                "a style or source preference unrelated to correctness: average it out "
                "with scorers that do not share it",
            )
    bon = card.get("best_of_n")
    if bon and bon["drop_from_peak"] > 0.01:
        add(
            "best-of-n over-optimisation",
            "par",
            bon["drop_from_peak"],
            f"gold peaks at n={bon['peak_n']} and falls {bon['drop_from_peak']:.3f} by the "
            "largest n: bound the reward (PAR) for RL, ensemble for selection",
        )
        add(
            "best-of-n over-optimisation",
            "ensemble_uwo",
            bon["drop_from_peak"],
            "selection against one scorer's errors: an ensemble disagrees where it errs",
        )
    aggs = card.get("aggregations") or {}
    if "min" in aggs and "sum" in aggs and card.get("aggregate") != "min":
        gain = aggs["min"].get("auroc", 0.0) - aggs.get(card.get("aggregate") or "sum", {}).get(
            "auroc", 0.0
        )
        if gain > 0:
            add(
                "step aggregation",
                "min_form_credit",
                gain,
                "min over steps separates right from wrong better than the aggregate in use",
            )
    if "sum" in aggs and aggs["sum"].get("corr_steps", 0.0) > 0.3:
        add(
            "sum aggregation pays for length",
            "min_form_credit",
            aggs["sum"]["corr_steps"],
            "sum-form returns grow with the number of steps: use min-form credit",
        )
    prm = card.get("wrong_answers")
    if prm and prm["share_wrong_above"] > 0.1:
        add(
            "high reward to wrong final answers",
            "hard_gate",
            prm["share_wrong_above"],
            f"{prm['share_wrong_above']:.0%} of wrong-answer trajectories score above "
            f"{prm['high']}: gate the reward on an answer check",
        )
    return out


def _readout(table: ScoreTable, score: Floats, feature: str | None) -> dict[str, Any]:
    t = _with_score(table, score)
    bon = best_of_n_curve(t)
    acc = one_vs_rest(t, reps=200)
    out: dict[str, Any] = {
        "bon_gold_max_n": bon["gold_at_max_n"] if bon else None,
        "accuracy": acc["accuracy"] if acc else None,
        "share_wrong_above_0.9": wrong_answer_reward(score, table.gold)["share_wrong_above"]
        if np.nanmin(score) >= 0 and np.nanmax(score) <= 1
        else None,
    }
    if feature:
        probes = {p["feature"]: p for p in bias_probes(t, reps=100)}
        if feature in probes:
            out[f"bias ({feature})"] = probes[feature]["effect"]
    return out


def _with_score(table: ScoreTable, score: Floats) -> ScoreTable:
    from dataclasses import replace

    return replace(table, score=np.asarray(score, dtype=np.float64))


def _standard(score: Floats, table: ScoreTable) -> Floats:
    """Within-problem z-scores, so transforms meet comparable scales."""
    out = np.array(score, dtype=np.float64)
    for m in group_members(table.groups):
        s = out[m]
        sd = np.nanstd(s)
        out[m] = (s - np.nanmean(s)) / sd if sd > 0 else 0.0
    return out


def aligned_scores(table: ScoreTable, others: list[ScoreTable]) -> list[Floats]:
    """Each other table's scores in ``table``'s candidate order (problems matched by
    ``problem_keys``; candidates by position); tables that miss a problem are skipped."""
    if table.problem_keys is None:
        return []
    out = []
    for other in others:
        if other.problem_keys is None or other.scorer == table.scorer:
            continue
        index = {k: i for i, k in enumerate(other.problem_keys)}
        if not all(k in index for k in table.problem_keys):
            continue
        members = group_members(other.groups)
        rows = [other.score[members[index[k]]] for k in table.problem_keys]
        if any(r.size != m.size for r, m in zip(rows, group_members(table.groups), strict=True)):
            continue
        out.append(np.concatenate(rows))
    return out


def run_suggestion(
    table: ScoreTable,
    transform: str,
    others: list[ScoreTable] | None = None,
    feature: str | None = None,
) -> dict[str, Any]:
    """Apply ``transform`` to ``table``'s scores; the card's read-outs before and after."""
    from proctor import transforms as tf

    score = table.score
    note = ""
    if transform == "soft_overlong":
        feat = feature if feature in table.numeric else next(iter(table.numeric), None)
        if feat is None:
            raise ValueError(f"{table.scorer}: no length feature to penalise")
        length = np.nan_to_num(table.numeric[feat], nan=float(np.nanmedian(table.numeric[feat])))
        hi = float(np.percentile(length, 90))
        lo = float(np.percentile(length, 50))
        buffer = max(1, round(hi - lo))
        after = tf.soft_overlong(_standard(score, table), length, max(buffer, round(hi)), buffer)
        note = f"penalty ramps from {feat} {lo:.0f} to {hi:.0f} on within-problem z-scores"
        feature = feat
    elif transform == "ensemble_uwo":
        members = [score, *aligned_scores(table, others or [])]
        if len(members) < 2:
            raise ValueError(
                f"{table.scorer}: an ensemble needs other scorers on the same "
                "problems (RewardMATH files in the same folder)"
            )
        z = tf.standardize(np.stack(members))
        after = tf.ensemble_uwo(z, 0.5)
        note = f"UWO (λ=0.5) over {len(members)} standardised scorers"
    elif transform == "par":
        ref = np.array(score, dtype=np.float64)
        for m in group_members(table.groups):
            ref[m] = np.nanmedian(score[m])
        after = tf.par(_standard(score, table), _standard(ref, table) * 0)
        note = (
            "PAR against each problem's median score: monotone within a problem, so a "
            "best-of-n pick cannot change; it bounds the reward an RL policy can chase"
        )
    elif transform == "min_form_credit":
        if table.steps is None:
            raise ValueError(f"{table.scorer}: min-form credit needs step scores")
        after = tf.trajectory_return(
            tf.min_form_credit(pad_steps([list(s) for s in table.steps]), 0.1)
        )
        note = "PURE min-form credit, T=0.1 (≈ min over steps)"
    elif transform == "hard_gate":
        after = tf.hard_gate(score, 1.0 - table.gold)
        note = (
            "gate = the data's own final-answer check (an oracle here: it shows the "
            "ceiling an answer checker gives, not a scorer's merit)"
        )
    else:
        raise ValueError(f"unknown transform {transform!r}: choose {', '.join(TRANSFORMS)}")
    return {
        "transform": transform,
        "name": TRANSFORMS[transform],
        "note": note,
        "before": _readout(table, score, feature),
        "after": _readout(table, after, feature),
    }


def apply_suggestions(
    table: ScoreTable, card: dict[str, Any], others: list[ScoreTable] | None = None
) -> list[dict[str, Any]]:
    """`run_suggestion` for each distinct transform the card suggests (failures noted)."""
    done: dict[str, dict[str, Any]] = {}
    for s in card.get("suggestions", []):
        if s["transform"] in done:
            continue
        feature = s["finding"].removeprefix("score vs ") if "vs" in s["finding"] else None
        try:
            done[s["transform"]] = run_suggestion(table, s["transform"], others, feature)
        except ValueError as exc:
            done[s["transform"]] = {"transform": s["transform"], "error": str(exc)}
    return list(done.values())


__all__ = ["TRANSFORMS", "aligned_scores", "apply_suggestions", "run_suggestion", "suggest"]
