"""The driver behind ``proctor bench detectors`` (kept apart from the typer command)."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from proctor.bench.detectors._harness import (
    calibrate,
    calibration_error,
    evaluate,
    grade_all,
    recombine,
    summarise,
    tally,
    write_results,
)
from proctor.bench.detectors._report import rich_categories, rich_overall
from proctor.detectors import WEIGHTS_FILE, Ensemble
from proctor.judge import Judge


def _commit() -> str:
    """The commit, with ``+dirty`` when the detectors or the corpus have uncommitted edits."""
    try:
        head = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
            or "unknown"
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src/proctor/detectors", "src/proctor/corpus"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+dirty" if dirty else head


def run_bench(
    split: str,
    out: Path,
    workers: int,
    do_calibrate: bool,
    limit: int | None,
    cache: bool,
    console: Console,
) -> dict[str, Any]:
    """Load the corpus split, grade, detect in both settings, score, write the tables."""
    from proctor.bench.corpus import load_corpus
    from proctor.common import default_cache_dir

    started = time.perf_counter()
    tasks, rollouts = load_corpus(None if split == "all" else split)  # type: ignore[arg-type]
    rollouts = rollouts[:limit] if limit else rollouts
    cache_dir = default_cache_dir().parent / "bench" if cache else None
    console.print(
        f"corpus {split}: {len(rollouts)} rollouts over {len({r.task_id for r in rollouts})} tasks"
    )
    grades = grade_all(tasks, rollouts, cache_dir, workers, log=console.print)
    with Judge(workers=1, cache_dir=default_cache_dir() if cache else None) as judge:
        rows = evaluate(tasks, rollouts, grades, judge, log=console.print)
    if do_calibrate:
        fitted = calibrate(rows)
        params = {
            **fitted,
            "hack_at": 0.5,
            "unsure_at": 0.2,
            "fitted_on": f"corpus dev split, {len(rows)} rows (both settings)",
        }
        WEIGHTS_FILE.write_text(json.dumps(params, indent=1) + "\n")
        console.print(f"ensemble weights fitted on dev -> {WEIGHTS_FILE}: {fitted}")
        recombine(rows, Ensemble())
    summary = summarise(tally(rows))
    for setting in ("isolated", "group"):
        if setting in summary and "ensemble" in summary[setting]:
            summary[setting]["ensemble"]["calibration_error"] = calibration_error(rows, setting)
    meta = {
        "split": split,
        "rollouts": len(rollouts),
        "hacks": sum(r.meta.get("kind") == "hack" for r in rollouts),
        "honest_correct": sum(r.meta.get("kind") == "honest_correct" for r in rollouts),
        "honest_wrong": sum(r.meta.get("kind") == "honest_wrong" for r in rollouts),
        "commit": _commit(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "seconds": round(time.perf_counter() - started, 1),
        "command": f"proctor bench detectors --split {split}",
    }
    json_path, md_path = write_results(summary, meta, out)
    for setting in ("isolated", "group"):
        if setting in summary:
            console.print(rich_overall(summary, setting, f"{split}: {setting} setting"))
    console.print(rich_categories(summary, "isolated", f"{split}: recall by category (isolated)"))
    console.print(f"wrote {json_path} and {md_path}")
    return summary


__all__ = ["run_bench"]
