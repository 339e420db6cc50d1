"""The report card: every read-out for one scorer, as a JSON-ready dict."""

from __future__ import annotations

from typing import Any

import numpy as np

from proctor.audit._accuracy import agreement, best_of_n_curve, one_vs_rest
from proctor.audit._bias import bias_probes
from proctor.audit._mitigate import suggest
from proctor.audit._prm import aggregations, first_error_report, wrong_answer_reward
from proctor.audit._table import ScoreTable

FORMAT = "proctor.audit.card/1"


def build_card(
    table: ScoreTable, reps: int = 300, seed: int = 0, threshold: float = 0.5
) -> dict[str, Any]:
    """Accuracy, best-of-n, agreement, bias probes, PRM read-outs and suggestions."""
    sizes = np.bincount(table.groups) if len(table) else np.zeros(0, dtype=np.int64)
    card: dict[str, Any] = {
        "format": FORMAT,
        "scorer": table.scorer,
        "source": table.source,
        "kind": table.kind,
        "aggregate": table.aggregate,
        "candidates": len(table),
        "problems": table.problems,
        "candidates_per_problem": float(sizes.mean()) if sizes.size else 0.0,
        "scored": int((~np.isnan(table.score)).sum()),
        "gold_share": float(np.nanmean(table.gold)) if len(table) else float("nan"),
        "notes": list(table.notes),
    }
    card["one_vs_rest"] = one_vs_rest(table)
    if table.pairwise_wins is not None:
        card["pairwise_win_rate"] = float(table.pairwise_wins.mean())
    card["best_of_n"] = best_of_n_curve(table)
    card["agreement"] = agreement(table)
    card["biases"] = bias_probes(table, reps, seed)
    if table.steps is not None:
        card["aggregations"] = aggregations(table)
        card["first_error"] = first_error_report(table, threshold)
        card["wrong_answers"] = (
            wrong_answer_reward(table.score, table.gold)
            if np.nanmin(table.score) >= 0 and np.nanmax(table.score) <= 1
            else None
        )
    card["suggestions"] = suggest(card)
    return card


def summary_row(card: dict[str, Any]) -> dict[str, Any]:
    """The few numbers an index table shows per scorer."""
    acc = card.get("one_vs_rest") or {}
    bon = card.get("best_of_n") or {}
    fe = card.get("first_error") or {}
    return {
        "scorer": card["scorer"],
        "kind": card["kind"],
        "problems": card["problems"],
        "accuracy": acc.get("accuracy"),
        "accuracy_ci": acc.get("accuracy_ci"),
        "mrr": acc.get("mrr"),
        "auroc": card["agreement"].get("auroc"),
        "pairwise_accuracy": card["agreement"].get("pairwise_accuracy"),
        "bon_peak_n": bon.get("peak_n"),
        "bon_drop": bon.get("drop_from_peak"),
        "first_error_f1": fe.get("f1"),
        "flagged": [p["probe"] for p in card["biases"] if p["flagged"]],
        "suggested": sorted({s["transform"] for s in card["suggestions"]}),
    }


__all__ = ["FORMAT", "build_card", "summary_row"]
