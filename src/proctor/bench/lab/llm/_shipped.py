"""Shipping a real-model run: the files `proctor monitor` and the probes need, compressed.

A shipped run keeps ``run.json``, ``tasks.jsonl``, ``truth.jsonl.gz``, TRL's
``trainer/completions/*.parquet`` and, from a run gated by the auditor, its probe
(``auditor/``); the SFT demonstrations, checkpoints and trainer state stay behind
(``run.json`` has the command that remakes them).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

RUNS_DIR = Path(__file__).resolve().parent / "runs"
"""The recorded real-model runs proctor ships (package data)."""
AUDITOR_DIR = "auditor"
AUDITOR_FILES = ("probe.json", "weights.npz", "rows.jsonl")
"""What a run gated by the auditor (``--auditor``) keeps of its probe (a few hundred kB)."""


def shipped_llm_runs() -> list[Path]:
    """Directories of the shipped real-model runs, sorted by name."""
    from proctor.bench.lab import runs_in

    return runs_in(RUNS_DIR)


def pack_llm_run(src: Path, dst: Path) -> Path:
    """Copy the shippable part of the complete run ``src`` to ``dst`` (must not exist).

    The copy is named after ``dst``: when that differs from the run's name, ``run.json``
    says so (``name`` becomes ``dst``'s, ``packed_from`` keeps the old one)."""
    manifest = json.loads((src / "run.json").read_text(encoding="utf-8"))
    if not manifest.get("complete"):
        raise ValueError(f"{src}: the run is not complete (run.json says complete: false)")
    if dst.exists():
        raise FileExistsError(f"{dst} exists")
    tables = sorted((src / "trainer" / "completions").glob("completions_*.parquet"))
    if not tables:
        raise FileNotFoundError(f"{src}/trainer/completions: no completions_*.parquet")
    (dst / "trainer" / "completions").mkdir(parents=True)
    if manifest.get("name") != dst.name:
        # shipped under another name (e.g. two variants of one seed): say where it came from
        manifest["packed_from"] = manifest.get("name")
        manifest["name"] = dst.name
    (dst / "run.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(src / "tasks.jsonl", dst / "tasks.jsonl")
    with (src / "truth.jsonl").open("rb") as f, gzip.open(dst / "truth.jsonl.gz", "wb", 9) as g:
        shutil.copyfileobj(f, g)
    for table in tables:
        shutil.copyfile(table, dst / "trainer" / "completions" / table.name)
    if (src / AUDITOR_DIR).is_dir():  # a gated run: its probe and the rows it learnt from
        (dst / AUDITOR_DIR).mkdir()
        for name in AUDITOR_FILES:
            if (src / AUDITOR_DIR / name).is_file():
                shutil.copyfile(src / AUDITOR_DIR / name, dst / AUDITOR_DIR / name)
    return dst


def read_truth(run: Path) -> list[dict[str, Any]]:
    """The truth rows of a run directory (``truth.jsonl`` or the shipped ``.gz``)."""
    plain = run / "truth.jsonl"
    if plain.is_file():
        text = plain.read_text(encoding="utf-8")
    else:
        with gzip.open(run / "truth.jsonl.gz", "rt", encoding="utf-8") as f:
            text = f.read()
    return [json.loads(line) for line in text.splitlines() if line.strip()]
