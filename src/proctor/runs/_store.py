"""`RunStore`: one training run's rollouts, grades, verdicts and scalars in one SQLite file."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from proctor.records import Grade, Rollout, Verdict
from proctor.runs._records import Batch, Checkpoint, Scalar
from proctor.runs._schema import APPLICATION_ID, DDL, SCHEMA_VERSION, STORE_FILE
from proctor.runs._transaction import Transaction

_T = TypeVar("_T")
Sync = Literal["full", "normal"]


class StoreError(RuntimeError):
    """The run store cannot be opened or used; the message says what to do."""


class RunStore:
    """Append-only, crash-safe store of one run, in ``<run_dir>/run.sqlite``.

    Durability: an ``add_*`` call is *acknowledged* when it returns, and an
    acknowledged row is never lost. Rows are written in transactions of ``chunk``
    records; a process killed mid-call keeps every whole transaction before the kill
    and none of the torn one. The store runs in WAL mode, where a commit appends the
    transaction to the ``-wal`` file with ``write()`` before returning. Against a
    *killed process* (SIGKILL, OOM killer, a crash) that is already durable: the data
    sits in the kernel's page cache, which outlives the process, and the next open
    replays the WAL — so ``synchronous=NORMAL`` suffices for that case. Against a
    *power loss or kernel crash* it is not: only ``synchronous=FULL`` fsyncs the WAL
    on every commit. ``sync="full"`` (the default) therefore makes "acknowledged"
    mean durable against both; ``sync="normal"`` keeps the process-kill guarantee
    and may lose the last commits (never corrupt the file) on power loss. With
    batched transactions the fsync costs little (see benchmarks/ingest.py).

    Readers: ``RunStore(run_dir, readonly=True)`` opens the file read-only (SQLite
    URI ``mode=ro``) and, thanks to WAL, reads a consistent snapshot while a writer
    is mid-transaction in another process; it never blocks the writer.

    Records keep their exact JSON; ``add_*`` is idempotent (a rollout id, a grade's
    rollout id, a verdict's (rollout id, detector), a scalar's (step, name, source)
    already stored is left as it is — first write wins) and returns how many rows
    were new.
    """

    def __init__(
        self,
        run_dir: str | PathLike[str],
        *,
        readonly: bool = False,
        sync: Sync = "full",
        chunk: int = 5000,
        timeout: float = 30.0,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / STORE_FILE
        """The SQLite file."""
        self.readonly = readonly
        self._chunk = max(1, chunk)
        self._conn = self._connect(readonly, timeout)
        try:
            self._check_or_create(sync)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, readonly: bool, timeout: float) -> sqlite3.Connection:
        if readonly:
            if not self.path.is_file():
                raise StoreError(
                    f"{self.path}: no run store here — create one with "
                    f"`proctor monitor ingest {self.run_dir} --from ... PATH`"
                )
            uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
            return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        if self.run_dir.exists() and not self.run_dir.is_dir():
            raise StoreError(
                f"{self.run_dir}: not a directory — a run store lives in a run directory"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)

    def _check_or_create(self, sync: Sync) -> None:
        conn = self._conn
        try:
            # The file may be hostile: no schema-embedded SQL functions, no trust.
            conn.execute("PRAGMA trusted_schema = OFF")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a proctor run store ({exc})") from exc
        if app_id == 0 and tables == 0:
            if self.readonly:
                raise StoreError(f"{self.path}: empty file, not a proctor run store yet")
            self._create()
        elif app_id != APPLICATION_ID:
            raise StoreError(
                f"{self.path}: an SQLite file, but not a proctor run store "
                f"(application_id {app_id:#x}) — pick another run directory"
            )
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer proctor (store schema v{version}; this "
                f"proctor reads up to v{SCHEMA_VERSION}) — upgrade proctor to read it"
            )
        if not self.readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {'FULL' if sync == 'full' else 'NORMAL'}")

    def _create(self) -> None:
        self._conn.execute("PRAGMA journal_mode = WAL")
        with self._transaction():
            for statement in DDL.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection (everything acknowledged is already on disk)."""
        self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _transaction(self) -> Transaction:
        if self.readonly:
            raise StoreError(
                f"{self.path}: opened read-only; open it without readonly=True to write"
            )
        return Transaction(self._conn)

    def _chunked(self, items: Iterable[_T], write: Callable[[Sequence[_T]], int]) -> int:
        it, total = iter(items), 0
        while chunk := list(islice(it, self._chunk)):
            with self._transaction():
                total += write(chunk)
        return total

    def add_rollouts(self, rollouts: Iterable[Rollout]) -> int:
        """Store rollouts (idempotent by id); return how many were new."""
        return self._chunked(rollouts, self._insert_rollouts)

    def add_grades(self, grades: Iterable[Grade]) -> int:
        """Store grades (one per rollout id); return how many were new."""
        return self._chunked(grades, self._insert_grades)

    def add_verdicts(self, verdicts: Iterable[Verdict]) -> int:
        """Store verdicts (one per rollout id and detector); return how many were new."""
        return self._chunked(verdicts, self._insert_verdicts)

    def add_scalars(self, scalars: Iterable[Scalar]) -> int:
        """Store step scalars (one per step, name and source); return how many were new."""
        return self._chunked(scalars, self._insert_scalars)

    def add_batch(self, batch: Batch, checkpoint: Checkpoint | None = None) -> dict[str, int]:
        """Store a mixed batch and, with it, how far its source file was read.

        One transaction: the rows and the checkpoint land together or not at all,
        so a resumed ``watch`` neither skips nor repeats lines.
        """
        with self._transaction():
            new = {
                "rollouts": self._insert_rollouts(batch.rollouts),
                "grades": self._insert_grades(batch.grades),
                "verdicts": self._insert_verdicts(batch.verdicts),
                "scalars": self._insert_scalars(batch.scalars),
            }
            if checkpoint is not None:
                self._conn.execute(
                    "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                    (
                        checkpoint.path,
                        checkpoint.offset,
                        checkpoint.line,
                        checkpoint.size,
                        checkpoint.mtime,
                    ),
                )
        return new

    def _insert(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> int:
        cursor = self._conn.executemany(sql, rows)
        return max(cursor.rowcount, 0)

    def _insert_rollouts(self, rollouts: Sequence[Rollout]) -> int:
        return self._insert(
            "INSERT OR IGNORE INTO rollouts (id, step, task_id, grp, reward, json) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (r.id, r.step, r.task_id, r.group, _real(r.reward), r.model_dump_json())
                for r in rollouts
            ),
        )

    def _insert_grades(self, grades: Sequence[Grade]) -> int:
        return self._insert(
            "INSERT OR IGNORE INTO grades (rollout_id, task_id, grader, status, proxy, gold, json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (g.rollout_id, g.task_id, g.grader, g.status, g.proxy, g.gold, g.model_dump_json())
                for g in grades
            ),
        )

    def _insert_verdicts(self, verdicts: Sequence[Verdict]) -> int:
        return self._insert(
            "INSERT OR IGNORE INTO verdicts "
            "(rollout_id, detector, label, category, family, confidence, json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    v.rollout_id,
                    v.detector,
                    v.label,
                    v.category,
                    v.family,
                    v.confidence,
                    v.model_dump_json(),
                )
                for v in verdicts
            ),
        )

    def _insert_scalars(self, scalars: Sequence[Scalar]) -> int:
        return self._insert(
            "INSERT OR IGNORE INTO scalars (step, name, value, source) VALUES (?, ?, ?, ?)",
            ((s.step, s.name, _real(s.value), s.source) for s in scalars),
        )

    def set_meta(self, key: str, value: Any) -> None:
        """Set one run-level metadata entry (JSON-able); unlike records, it may be replaced."""
        text = json.dumps(value, allow_nan=False)
        with self._transaction():
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, text))

    def known_rollout_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are already stored (to report duplicates instead of dropping them)."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self._conn.execute(
                    f"SELECT id FROM rollouts WHERE id IN ({marks})", chunk
                )
            )
        return found

    def add_event(self, event: dict[str, Any]) -> None:
        """Append a trainer event (a callback's stop or checkpoint) to ``meta["events"]``.

        Kept in ``meta`` (one JSON list, read-modify-write in one transaction) rather
        than a table: a run has a handful of them. The monitor shows each as an alert.
        """
        with self._transaction():
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'events'").fetchone()
            events = json.loads(row[0]) if row else []
            events.append(event)
            self._conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('events', ?)",
                (json.dumps(events, allow_nan=False),),
            )

    def meta(self) -> dict[str, Any]:
        """Every metadata entry, by key."""
        return {k: json.loads(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}

    def rollouts(self, step: int | None = None) -> Iterator[Rollout]:
        """Rollouts ordered by step, then insertion (rollouts without a step come first)."""
        if step is None:
            rows = self._conn.execute("SELECT json FROM rollouts ORDER BY step, seq")
        else:
            rows = self._conn.execute(
                "SELECT json FROM rollouts WHERE step = ? ORDER BY seq", (step,)
            )
        for (text,) in rows:
            yield Rollout.model_validate_json(text)

    def grades(self) -> Iterator[Grade]:
        """Grades in insertion order."""
        for (text,) in self._conn.execute("SELECT json FROM grades ORDER BY seq"):
            yield Grade.model_validate_json(text)

    def verdicts(self, detector: str | None = "ensemble") -> Iterator[Verdict]:
        """One detector's verdicts (``None``: every detector's) in insertion order."""
        if detector is None:
            rows = self._conn.execute("SELECT json FROM verdicts ORDER BY seq")
        else:
            rows = self._conn.execute(
                "SELECT json FROM verdicts WHERE detector = ? ORDER BY seq", (detector,)
            )
        for (text,) in rows:
            yield Verdict.model_validate_json(text)

    def scalars(self) -> Iterator[Scalar]:
        """Scalars ordered by step, then insertion."""
        rows = self._conn.execute(
            "SELECT step, name, value, source FROM scalars ORDER BY step, seq"
        )
        for step, name, value, source in rows:
            yield Scalar(
                step=step, name=name, value=math.nan if value is None else value, source=source
            )

    def steps(self) -> list[int]:
        """Every step that has rollouts or scalars, ascending."""
        rows = self._conn.execute(
            "SELECT step FROM rollouts WHERE step IS NOT NULL UNION SELECT step FROM scalars "
            "ORDER BY step"
        )
        return [step for (step,) in rows]

    def counts(self) -> dict[str, int]:
        """Rows per table, plus the number of steps."""
        counts = {
            table: self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("rollouts", "grades", "verdicts", "scalars")
        }
        counts["steps"] = len(self.steps())
        return counts

    def checkpoint(self, path: str) -> Checkpoint | None:
        """How far ``path`` (absolute) has been ingested, if at all."""
        row = self._conn.execute(
            "SELECT path, offset, line, size, mtime FROM sources WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else Checkpoint(*row)


def _real(value: float | None) -> float | None:
    # SQLite turns NaN into NULL anyway; say so explicitly.
    return None if value is None or math.isnan(value) else value
