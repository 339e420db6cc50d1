"""The recorded lab runs proctor ships (package data under ``proctor/lab/runs/``)."""

from __future__ import annotations

from pathlib import Path

RUNS_DIR = Path(__file__).resolve().parent / "runs"


def shipped_runs() -> list[Path]:
    """Directories of the shipped runs (each has a ``run.json``), sorted by name."""
    if not RUNS_DIR.is_dir():
        return []
    return sorted(p for p in RUNS_DIR.iterdir() if (p / "run.json").is_file())
