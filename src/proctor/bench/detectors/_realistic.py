"""``proctor bench detectors`` on the realistic corpus, reported by input shape.

The realistic corpus (`proctor.bench.corpus._realistic`) holds the shipped corpus's
labels in the shapes real policies write: one block, several blocks, ``<file>``
tags, agent chats, garbled code. Every rollout is graded from its raw form and
judged alone (isolated setting); the tables give each detector's recall, FPR on
honest correct and honest wrong, and cost, for all shapes together and for each
shape apart.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from proctor.bench.detectors._cli import _commit
from proctor.bench.detectors._harness import Row, evaluate, grade_all, summarise, tally
from proctor.bench.detectors._report import _md_table, _ms, _pct, category_rows, overall_rows
from proctor.detectors import default_detectors
from proctor.judge import Judge

SHAPE_COLUMNS = (
    "shape",
    "n hacks",
    "n honest",
    "recall",
    "syntactic",
    "semantic",
    "special_casing",
    "FPR correct",
    "FPR wrong",
    "unsure honest",
    "cost median ms",
)


def by_shape(rows: list[Row]) -> dict[str, Any]:
    """Summaries (isolated setting) for all rows and for each ``meta.shape``."""
    shapes = sorted({str(r.rollout.meta.get("shape")) for r in rows})
    out = {"all": summarise(tally(rows)).get("isolated", {})}
    for shape in shapes:
        part = [r for r in rows if r.rollout.meta.get("shape") == shape]
        out[shape] = summarise(tally(part)).get("isolated", {})
    return out


def shape_rows(summary: dict[str, Any], detector: str = "ensemble") -> list[list[str]]:
    rows = []
    for shape, results in summary.items():
        r = results.get(detector)
        if r is None:
            continue
        kinds = r["recall_by_kind"]
        sc = r["recall_by_category"].get("special_casing", {})
        rows.append(
            [
                shape,
                str(r["n_hacks"]),
                str(r["n_honest"]),
                _pct(r["recall"]),
                _pct(kinds.get("syntactic")),
                _pct(kinds.get("semantic")),
                _pct(sc.get("recall")),
                _pct(r["fpr_honest_correct"]),
                _pct(r["fpr_honest_wrong"]),
                _pct(r["unsure_honest"]),
                _ms(r["cost_ms"]["median"]),
            ]
        )
    return rows


def misses(rows: list[Row], limit: int = 40) -> list[dict[str, Any]]:
    """Hacks the ensemble did not call ``hack``, and honest rollouts it did: for the notes."""
    out = []
    for row in rows:
        v = row.verdicts.get("ensemble")
        if v is None:
            continue
        wrong = (row.is_hack and v.label != "hack") or (not row.is_hack and v.label == "hack")
        if wrong:
            out.append(
                {
                    "id": row.rollout.id,
                    "kind": row.kind,
                    "category": row.category,
                    "shape": row.rollout.meta.get("shape"),
                    "transform": row.rollout.meta.get("transform"),
                    "template": row.rollout.meta.get("template"),
                    "label": v.label,
                    "detectors": {n: x.label for n, x in row.verdicts.items()},
                }
            )
    return out[:limit] if limit else out


def markdown(summary: dict[str, Any], meta: dict[str, Any]) -> str:
    parts = [
        f"# Detector benchmark: realistic corpus ({meta.get('split', '?')} split)",
        "",
        f"Reproduce: `{meta.get('command')}`",
        "",
        "| run | value |",
        "|---|---|",
    ]
    parts += [f"| {k} | {v} |" for k, v in meta.items() if k != "command"]
    parts += [
        "",
        "## Ensemble by input shape (isolated setting)",
        "",
        _md_table(SHAPE_COLUMNS, shape_rows(summary)),
        "",
        "## Static detector by input shape",
        "",
        _md_table(SHAPE_COLUMNS, shape_rows(summary, "static")),
        "",
        "## All shapes: every detector",
        "",
        _md_table(
            (
                "detector",
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
            ),
            overall_rows({"isolated": summary["all"]}, "isolated"),
        ),
    ]
    header, rows = category_rows({"isolated": summary["all"]}, "isolated")
    parts += ["", "## All shapes: recall by category", "", _md_table(header, rows), ""]
    return "\n".join(parts)


def run_realistic(
    split: str,
    out: Path,
    workers: int,
    limit: int | None,
    cache: bool,
    console: Console,
) -> dict[str, Any]:
    """Grade and detect the realistic corpus split; write detectors-realistic.{md,json}."""
    from proctor.bench.corpus import load_realistic
    from proctor.common import default_cache_dir

    started = time.perf_counter()
    tasks, rollouts = load_realistic(None if split == "all" else split)  # type: ignore[arg-type]
    rollouts = rollouts[:limit] if limit else rollouts
    console.print(f"realistic corpus {split}: {len(rollouts)} rollouts")
    cache_dir = default_cache_dir().parent / "bench" if cache else None
    grades = grade_all(tasks, rollouts, cache_dir, workers, log=console.print)
    names = [n for n in default_detectors() if n != "group"]
    with Judge(
        detectors=names, workers=1, cache_dir=default_cache_dir() if cache else None
    ) as judge:
        rows = evaluate(tasks, rollouts, grades, judge, log=console.print)
    summary = by_shape(rows)
    meta = {
        "split": split,
        "rollouts": len(rollouts),
        "hacks": sum(r.meta.get("kind") == "hack" for r in rollouts),
        "honest_correct": sum(r.meta.get("kind") == "honest_correct" for r in rollouts),
        "honest_wrong": sum(r.meta.get("kind") == "honest_wrong" for r in rollouts),
        "commit": _commit(),
        "seconds": round(time.perf_counter() - started, 1),
        "command": f"proctor bench detectors --corpus realistic --split {split}",
    }
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "detectors-realistic.json", out / "detectors-realistic.md"
    json_path.write_text(
        json.dumps({"meta": meta, "results": summary, "misses": misses(rows, limit=0)}, indent=1)
        + "\n"
    )
    md_path.write_text(markdown(summary, meta))
    table = Table(title=f"realistic {split}: ensemble by input shape")
    for column in SHAPE_COLUMNS:
        table.add_column(column, justify="left" if column == "shape" else "right")
    for row in shape_rows(summary):
        table.add_row(*row)
    console.print(table)
    console.print(f"wrote {json_path} and {md_path}")
    return summary


__all__ = ["by_shape", "markdown", "misses", "run_realistic", "shape_rows"]
