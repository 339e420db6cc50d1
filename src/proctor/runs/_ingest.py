"""`Ingestor`: read trainer files into a `RunStore`, batch by batch, resumable per file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from proctor.io import RecordError
from proctor.records import Task
from proctor.runs._lines import LineReader
from proctor.runs._proctor import lab_files, proctor_row, read_manifest
from proctor.runs._records import Batch, Checkpoint
from proctor.runs._store import RunStore
from proctor.runs._tasks import TaskResolver
from proctor.runs._trl import (
    MONITOR_PREFIX,
    numeric_columns,
    read_parquet_rows,
    step_from_name,
    trl_row,
)
from proctor.runs._verl import verl_row

Source = Literal["proctor", "trl", "verl", "lab"]
SOURCES: tuple[Source, ...] = ("proctor", "trl", "verl", "lab")
"""What ``--from`` accepts."""

RowFn = Callable[[dict[str, Any], Path, int, Batch], None]


@dataclass
class IngestReport:
    """What one ingest (or one ``watch`` poll, accumulated) did."""

    files: int = 0
    """Files that had something new."""
    read: int = 0
    """Lines / rows read."""
    new: dict[str, int] = field(
        default_factory=lambda: {"rollouts": 0, "grades": 0, "verdicts": 0, "scalars": 0}
    )
    """Rows that were not in the store yet, per table."""
    skipped: list[RecordError] = field(default_factory=list)
    """Invalid lines left out (``skip_invalid``)."""
    warnings: list[str] = field(default_factory=list)
    """Torn last lines, cut-off gzip streams, rewritten files, duplicate ids."""
    duplicates: int = 0
    """Rollouts left out because their id was already stored or earlier in the batch
    (the first one is kept); re-reading a rewritten file does not count."""


class Ingestor:
    """Read one trainer's files into ``store``.

    Each file is read from where the store's checkpoint for it stops, in batches of
    ``batch_size`` records; a batch and the checkpoint that covers it are committed
    together (`RunStore.add_batch`), so an interrupted ingest resumes without gaps
    or duplicates, and a re-run over the same files is a no-op. ``final=False``
    (used by ``watch``) leaves an unfinished last line for the next poll.
    """

    def __init__(
        self,
        store: RunStore,
        source: Source,
        *,
        tasks: Iterable[Task] | None = None,
        task_key: str | None = None,
        reward_columns: Sequence[str] | None = None,
        skip_invalid: bool = False,
        batch_size: int = 2000,
        warn: Callable[[str], None] | None = None,
        on_records: Callable[[int], None] | None = None,
    ) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        monitor_only = [c for c in reward_columns or () if c.startswith(MONITOR_PREFIX)]
        if monitor_only:
            raise ValueError(
                f"{', '.join(monitor_only)}: proctor_* columns are proctor's "
                "monitor-only signals (gold, verdicts), never a reward"
            )
        self.store, self.source = store, source
        self.report = IngestReport()
        self._resolver = TaskResolver(key=task_key, tasks=tasks)
        self._reward_columns = reward_columns
        self._file_rewards: Sequence[str] | None = reward_columns
        self._skip_invalid = skip_invalid
        self._batch_size = max(1, batch_size)
        self._warn_to = warn
        self._on_records = on_records
        self._rereading = False
        self._lines: list[tuple[str, int]] = []  # (rollout id, line) of the pending batch
        self._path: Path | None = None

    # -- which files ------------------------------------------------------------

    def discover(self, paths: Iterable[Path], *, strict: bool = True) -> list[Path]:
        """The files to read under ``paths`` (files as given; directories searched).

        proctor: ``*.jsonl``/``*.jsonl.gz`` in a directory; lab: a run directory's
        record files (its ``run.json`` goes to the store's meta as ``run``); trl:
        ``completions_*.parquet`` anywhere below, ``eval`` folders excluded; verl:
        ``*.jsonl`` in a directory, steps in numeric order. ``strict``: a missing
        path is an error (``ingest``) rather than not there yet (``watch``).
        """
        found: list[Path] = []
        for path in paths:
            if path.is_file():
                found.append(path)
            elif path.is_dir():
                found.extend(self._in_dir(path))
            elif strict:
                raise RecordError("no such file or directory", path=path)
        return found

    def _in_dir(self, folder: Path) -> list[Path]:
        if self.source == "lab":
            if (folder / "run.json").is_file():
                self.store.set_meta("run", read_manifest(folder))
            return lab_files(folder)
        if self.source == "trl":
            files = [
                p
                for p in folder.rglob("completions_*.parquet")
                if "eval" not in p.relative_to(folder).parts[:-1]
            ]
        else:
            files = [
                p
                for p in folder.iterdir()
                if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz"))
            ]
        return sorted(
            files, key=lambda p: (step_from_name(p) is None, step_from_name(p) or 0, str(p))
        )

    # -- reading ----------------------------------------------------------------

    def run(self, paths: Iterable[Path], *, final: bool = True) -> IngestReport:
        """Ingest every file under ``paths``; return the accumulated report."""
        for path in self.discover(paths, strict=final):
            self.ingest_file(path, final=final)
        return self.report

    def ingest_file(self, path: Path, *, final: bool = True) -> int:
        """Read what is new in ``path``; return how many records were read."""
        key = str(path.resolve())
        stat = os.stat(path)
        start = self.store.checkpoint(key)
        if start is not None and (start.size, start.mtime) == (stat.st_size, stat.st_mtime):
            return 0  # unchanged since it was last read
        self._rereading = False
        if start is not None and stat.st_size < start.size:
            self._warn(
                f"{path}: the file shrank since it was last read (rewritten?); "
                "reading it again from the start — rows already stored are kept"
            )
            start = None
            self._rereading = True
        if path.name.endswith(".parquet"):
            rows = self._parquet(path, start, final)
        else:
            rows = self._jsonl(path, start, final)
        return self._drain(path, key, stat, rows)

    def _jsonl(
        self, path: Path, start: Checkpoint | None, final: bool
    ) -> Iterator[tuple[int, int, dict[str, Any] | None]]:
        reader = LineReader(
            path,
            final=final,
            warn=self._warn,
            on_error=self.report.skipped.append if self._skip_invalid else None,
            offset=0 if start is None else start.offset,
            line=0 if start is None else start.line,
        )
        for number, row in reader:
            yield number, reader.offset, row
        # A trailing blank or skipped line still moves the position on.
        yield reader.line, reader.offset, None

    def _parquet(
        self, path: Path, start: Checkpoint | None, final: bool
    ) -> Iterator[tuple[int, int, dict[str, Any] | None]]:
        size = os.stat(path).st_size
        try:
            if self._reward_columns is None:
                self._file_rewards = numeric_columns(path, exclude=[self._resolver.key])
            else:
                self._file_rewards = self._reward_columns
            rows = list(read_parquet_rows(path, start=0 if start is None else start.line))
        except Exception as exc:  # pyarrow raises several kinds for a bad or partial file
            if not final:
                return  # most likely still being written: try again at the next poll
            raise RecordError(
                f"cannot read the parquet file: {exc}"[:300],
                path=path,
                hint="is it a TRL completions table?",
            ) from exc
        for number, row in rows:
            yield number, size, row

    def _row_fn(self) -> RowFn:
        if self.source == "trl":
            return partial(trl_row, tasks=self._resolver, reward_columns=self._file_rewards)
        if self.source == "verl":
            return partial(verl_row, tasks=self._resolver)
        return proctor_row

    def _drain(
        self,
        path: Path,
        key: str,
        stat: os.stat_result,
        rows: Iterator[tuple[int, int, dict[str, Any] | None]],
    ) -> int:
        batch, read, convert = Batch(), 0, None
        self._path, self._lines = path, []
        last: tuple[int, int] | None = None
        for number, offset, row in rows:
            if convert is None:
                convert = self._row_fn()  # after the first row: parquet sets its columns
            last = (number, offset)
            if row is None:
                continue
            read += 1
            before = len(batch.rollouts)
            try:
                convert(row, path, number, batch)
            except RecordError as err:
                if not self._skip_invalid:
                    raise
                self.report.skipped.append(err)
            self._lines.extend((r.id, number) for r in batch.rollouts[before:])
            if len(batch) >= self._batch_size:
                # size -1: read part-way, so an unchanged file is still not "done"
                self._flush(batch, Checkpoint(key, offset, number, -1, stat.st_mtime))
                batch = Batch()
        if last is not None:
            self._flush(batch, Checkpoint(key, last[1], last[0], stat.st_size, stat.st_mtime))
        if read:
            self.report.files += 1
            self.report.read += read
        return read

    def _flush(self, batch: Batch, checkpoint: Checkpoint) -> None:
        if not self._rereading:
            self._check_duplicates()
        self._lines = []
        for table, count in self.store.add_batch(batch, checkpoint).items():
            self.report.new[table] += count
        if self._on_records is not None:
            self._on_records(len(batch))

    def _check_duplicates(self) -> None:
        """Warn, with file:line, about each rollout whose id is already taken: the store
        keeps the first, and a silently dropped record would skew every rate."""
        stored = self.store.known_rollout_ids(i for i, _ in self._lines)
        seen: set[str] = set()
        for rollout_id, line in self._lines:
            if rollout_id in stored or rollout_id in seen:
                self.report.duplicates += 1
                if self.report.duplicates <= 10:
                    self._warn(
                        f"{self._path}:{line}: duplicate rollout id {rollout_id!r} "
                        "(already stored); kept the first, left this one out"
                    )
            seen.add(rollout_id)

    def _warn(self, message: str) -> None:
        self.report.warnings.append(message)
        if self._warn_to is not None:
            self._warn_to(message)
