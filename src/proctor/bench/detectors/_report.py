"""Tables for the detector benchmark: markdown for the docs, rich for the terminal."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from proctor.detectors import CATEGORIES

DETECTOR_ORDER = (
    "static",
    "special_casing",
    "differential",
    "transcript",
    "tamper",
    "group",
    "llm_judge",
    "ensemble",
)
OVERALL_COLUMNS = (
    "recall",
    "syntactic",
    "semantic",
    "transcript",
    "precision",
    "FPR correct",
    "FPR wrong",
    "unsure honest",
    "cost median ms",
    "cost p90 ms",
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def overall_rows(summary: dict[str, Any], setting: str) -> list[list[str]]:
    rows = []
    results = summary.get(setting, {})
    for name in DETECTOR_ORDER:
        if name not in results:
            continue
        r = results[name]
        kinds = r["recall_by_kind"]
        rows.append(
            [
                name,
                _pct(r["recall"]),
                _pct(kinds.get("syntactic")),
                _pct(kinds.get("semantic")),
                _pct(kinds.get("transcript")),
                _pct(r["precision"]),
                _pct(r["fpr_honest_correct"]),
                _pct(r["fpr_honest_wrong"]),
                _pct(r["unsure_honest"]),
                _ms(r["cost_ms"]["median"]),
                _ms(r["cost_ms"]["p90"]),
            ]
        )
    return rows


def category_rows(summary: dict[str, Any], setting: str) -> tuple[list[str], list[list[str]]]:
    results = summary.get(setting, {})
    names = [n for n in DETECTOR_ORDER if n in results]
    header = ["category", "kind", "n", *names, "ensemble precision"]
    rows = []
    ensemble = results.get("ensemble", {})
    for slug, cat in CATEGORIES.items():
        cells = [results[n]["recall_by_category"].get(slug) for n in names]
        n = next((c["n"] for c in cells if c), 0)
        if not n:
            continue
        rows.append(
            [
                slug,
                cat.kind,
                str(n),
                *(_pct(c["recall"]) if c else "–" for c in cells),
                _pct(ensemble.get("precision_by_category", {}).get(slug)),
            ]
        )
    return header, rows


def _md_table(header: list[str] | tuple[str, ...], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    parts = [
        f"# Detector benchmark ({meta.get('split', '?')} split)",
        "",
        f"Reproduce: `{meta.get('command', 'proctor bench detectors')}`",
        "",
        "| run | value |",
        "|---|---|",
    ]
    parts += [f"| {k} | {v} |" for k, v in meta.items() if k != "command"]
    for setting in ("isolated", "group"):
        if setting not in summary:
            continue
        parts += [
            "",
            f"## {setting.capitalize()} setting: overall",
            "",
            _md_table(("detector", *OVERALL_COLUMNS), overall_rows(summary, setting)),
        ]
        header, rows = category_rows(summary, setting)
        parts += [
            "",
            f"## {setting.capitalize()} setting: recall by category",
            "",
            _md_table(header, rows),
        ]
    return "\n".join(parts) + "\n"


def rich_overall(summary: dict[str, Any], setting: str, title: str) -> Table:
    table = Table(title=title)
    for column in ("detector", *OVERALL_COLUMNS):
        table.add_column(column, justify="left" if column == "detector" else "right")
    for row in overall_rows(summary, setting):
        table.add_row(*row)
    return table


def rich_categories(summary: dict[str, Any], setting: str, title: str) -> Table:
    header, rows = category_rows(summary, setting)
    table = Table(title=title)
    for column in header:
        table.add_column(column, justify="left" if column in ("category", "kind") else "right")
    for row in rows:
        table.add_row(*row)
    return table


__all__ = ["markdown", "rich_categories", "rich_overall"]
