"""Writing a lab run directory, one step at a time (see docs/lab.md for the layout).

Each step is appended to the ``.jsonl.gz`` files as its own gzip member and
flushed, so a run that is killed keeps every finished step readable (a gzip
file of several members is one valid stream). ``run.json`` is rewritten
atomically after every step with how far the run got.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

RUN_FILES = ("rollouts", "grades", "scalars")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented JSON, replacing ``path`` only once complete."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunWriter:
    """Appends records to ``<dir>/{rollouts,grades,scalars}.jsonl.gz``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # a rerun into the same directory starts over rather than mixing two runs
        for stem in RUN_FILES:
            (directory / f"{stem}.jsonl.gz").unlink(missing_ok=True)
            (directory / f"{stem}.jsonl.gz").touch()

    def append(self, stem: str, rows: Iterable[BaseModel | dict[str, Any]]) -> None:
        """Append ``rows`` to ``<stem>.jsonl.gz`` as one gzip member."""
        lines = []
        for row in rows:
            if isinstance(row, BaseModel):
                lines.append(row.model_dump_json(exclude_none=True))
            else:
                lines.append(json.dumps(row, sort_keys=False))
        if not lines:
            return
        data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)
        with open(self.directory / f"{stem}.jsonl.gz", "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def manifest(self, data: dict[str, Any]) -> None:
        """(Re)write ``run.json``."""
        write_json_atomic(self.directory / "run.json", data)
