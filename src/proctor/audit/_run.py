"""The driver behind ``proctor audit scores``: read, card, calibrate, mitigate, write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from proctor.audit._calibrate import calibrate_prefixes
from proctor.audit._card import build_card, summary_row
from proctor.audit._html import render_card, render_index, write_html
from proctor.audit._mitigate import apply_suggestions
from proctor.audit._processbench import processbench_tables
from proctor.audit._rewardmath import rewardmath_tables
from proctor.audit._runstore import runstore_table
from proctor.audit._table import ScoreTable

Source = Literal["rewardmath", "processbench", "runstore"]
SOURCES: tuple[str, ...] = ("rewardmath", "processbench", "runstore")


def load_tables(
    source: str, path: Path, scorers: list[str] | None = None, aggregate: str = "min"
) -> list[ScoreTable]:
    """The tables a source holds (every scorer, or only ``scorers``)."""
    if source == "rewardmath":
        return rewardmath_tables(path, aggregate, scorers)
    if source == "processbench":
        return processbench_tables(path, aggregate, scorers)
    if source == "runstore":
        return [runstore_table(path)]
    raise ValueError(f"unknown source {source!r}: choose {', '.join(SOURCES)}")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "scorer"


def audit_scores(
    source: str,
    path: Path,
    out: Path,
    scorers: list[str] | None = None,
    aggregate: str = "min",
    reps: int = 300,
    calibrate: bool = True,
    mitigate: bool = True,
    threshold: float = 0.5,
    log: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    """Write ``<scorer>.json``/``.html`` per scorer, ``index.html`` and ``summary.json``
    into ``out``; returns the cards. Calibration runs for step-labelled PRM tables;
    ``mitigate`` applies each suggested transform to the same scores."""
    tables = load_tables(source, path, scorers, aggregate)
    # every scorer of the source, for ensembles, even when only some are audited
    pool = (
        tables
        if scorers is None or source != "rewardmath"
        else load_tables(source, path, None, aggregate)
    )
    out.mkdir(parents=True, exist_ok=True)
    cards, rows = [], []
    for table in tables:
        log(f"auditing {table.scorer}")
        card = build_card(table, reps=reps, threshold=threshold)
        if calibrate and table.steps is not None and table.first_error is not None:
            card["calibration"] = calibrate_prefixes(table)
        if mitigate:
            card["mitigations"] = apply_suggestions(table, card, pool)
        name = _slug(table.scorer)
        (out / f"{name}.json").write_text(
            json.dumps(card, indent=1, default=float), encoding="utf-8"
        )
        write_html(render_card(card), out / f"{name}.html")
        row = summary_row(card)
        row["file"] = f"{name}.html"
        if "calibration" in card:
            row["calibration"] = {k: v["f1"] for k, v in card["calibration"]["first_error"].items()}
            row["ece"] = card["calibration"]["ece"]
        cards.append(card)
        rows.append(row)
    (out / "summary.json").write_text(
        json.dumps({"source": source, "path": str(path), "scorers": rows}, indent=1, default=float),
        encoding="utf-8",
    )
    write_html(render_index(rows, f"{source} ({len(rows)} scorers)"), out / "index.html")
    return cards


__all__ = ["SOURCES", "audit_scores", "load_tables"]
