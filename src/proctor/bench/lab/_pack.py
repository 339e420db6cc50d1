"""`pack_run`: a smaller copy of a lab run directory, for shipping in the package.

A 50-step run is ~0.4 MB, most of it per-test failure details and grading cost
stats (wall/CPU time, memory) in ``grades.jsonl.gz``: noise that nothing in the
monitor reads and that compresses badly. The packed copy keeps every rollout,
reward, proxy, gold score, tamper finding and scalar as they were, drops only
``failures`` and ``stats`` from each grade, and recompresses each file as one
gzip member (a finished run no longer needs per-step members). ``run.json``
says what was dropped under ``packed``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from proctor.bench.lab._writer import RUN_FILES, write_json_atomic
from proctor.records import Grade

PACK_NOTE = (
    "grades carry no per-test failure details and no grading cost stats "
    "(proctor lab pack); rollouts, rewards, proxy, gold and scalars are unchanged"
)
# a hostile or corrupt run could decompress to anything: cap what we read
MAX_LINE_CHARS = 2_000_000
MAX_MANIFEST_BYTES = 1_000_000


class PackError(ValueError):
    """A run directory that cannot be packed; the message names the file and line."""


@dataclass(frozen=True)
class PackResult:
    """Sizes in bytes of the source run's files and of the packed copy's."""

    source_bytes: int
    packed_bytes: int


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if len(line) > MAX_LINE_CHARS:
                    raise PackError(
                        f"{path}:{number}: line longer than {MAX_LINE_CHARS} "
                        f"characters; is this a lab run file?"
                    )
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise PackError(f"{path}:{number}: not JSON ({exc})") from exc
                if not isinstance(row, dict):
                    raise PackError(f"{path}:{number}: expected a JSON object")
                yield number, row
    except (OSError, EOFError) as exc:
        raise PackError(
            f"{path}: cannot read as gzip JSON lines ({exc}); re-run the lab run that wrote it"
        ) from exc


def _slim_grade(path: Path, number: int, row: dict[str, Any]) -> dict[str, Any]:
    try:
        grade = Grade.model_validate(row)
    except ValidationError as exc:
        raise PackError(f"{path}:{number}: not a proctor Grade ({exc.errors()[0]['msg']})") from exc
    data = grade.model_dump(mode="json", exclude_none=True)
    data["failures"] = []
    data.pop("stats", None)
    return data


def _manifest(source: Path) -> dict[str, Any]:
    path = source / "run.json"
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise PackError(f"{path}: larger than {MAX_MANIFEST_BYTES} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackError(
            f"{path}: cannot read the run manifest ({exc}); is {source} a lab run directory?"
        ) from exc
    if not isinstance(data, dict):
        raise PackError(f"{path}: must be a JSON object")
    return data


def pack_run(source: Path, dest: Path) -> PackResult:
    """Write a packed copy of the lab run ``source`` to ``dest`` (see module doc).

    Raises `PackError` naming the file and line when ``source`` is not a
    readable lab run, before ``dest`` is touched for that file.
    """
    if source.resolve() == dest.resolve():
        raise PackError(f"{dest}: pack into a new directory, not over the source run")
    manifest = _manifest(source)
    outputs: dict[str, bytes] = {}
    for stem in RUN_FILES:
        path = source / f"{stem}.jsonl.gz"
        rows = (_slim_grade(path, n, r) if stem == "grades" else r for n, r in _lines(path))
        text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)
        outputs[stem] = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    # only now, with every file read and checked, write the copy
    dest.mkdir(parents=True, exist_ok=True)
    for stem, data in outputs.items():
        (dest / f"{stem}.jsonl.gz").write_bytes(data)
    manifest["name"] = dest.name
    manifest["packed"] = PACK_NOTE
    write_json_atomic(dest / "run.json", manifest)
    source_bytes = sum((source / f"{s}.jsonl.gz").stat().st_size for s in RUN_FILES)
    source_bytes += (source / "run.json").stat().st_size
    packed_bytes = sum((dest / f"{s}.jsonl.gz").stat().st_size for s in RUN_FILES)
    packed_bytes += (dest / "run.json").stat().st_size
    return PackResult(source_bytes=source_bytes, packed_bytes=packed_bytes)
