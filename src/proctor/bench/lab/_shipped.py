"""The recorded lab runs proctor ships (package data under ``proctor/lab/runs/``)."""

from __future__ import annotations

from pathlib import Path

RUNS_DIR = Path(__file__).resolve().parent / "runs"


def runs_in(directory: Path) -> list[Path]:
    """The run directories (each with a ``run.json``) directly under ``directory``, by name."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if (p / "run.json").is_file())


def shipped_runs() -> list[Path]:
    """Directories of the shipped runs (each has a ``run.json``), sorted by name."""
    return runs_in(RUNS_DIR)
