"""The SQLite schema of a run store, and how a file is recognised as one."""

from __future__ import annotations

APPLICATION_ID = 0x50524F43
"""``PRAGMA application_id`` of a proctor run store (ASCII ``PROC``): tells a proctor
store from any other SQLite file before a single table is read."""

SCHEMA_VERSION = 1
"""``PRAGMA user_version``. A store written by a newer proctor is refused, not guessed at."""

STORE_FILE = "run.sqlite"
"""The store's file name inside its run directory."""

# Each record keeps its full JSON (`json`) so it round-trips exactly; the other
# columns are denormalised copies for queries (by step, task, label...). `seq` is
# the insertion order, which `rollouts()` keeps within a step.
DDL = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE rollouts (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    step    INTEGER,
    task_id TEXT NOT NULL,
    grp     TEXT,
    reward  REAL,
    json    TEXT NOT NULL
);
CREATE INDEX rollouts_by_step ON rollouts (step, seq);
CREATE INDEX rollouts_by_task ON rollouts (task_id);
CREATE TABLE grades (
    seq        INTEGER PRIMARY KEY,
    rollout_id TEXT NOT NULL UNIQUE,
    task_id    TEXT NOT NULL,
    grader     TEXT NOT NULL,
    status     TEXT NOT NULL,
    proxy      REAL,
    gold       REAL,
    json       TEXT NOT NULL
);
CREATE TABLE verdicts (
    seq        INTEGER PRIMARY KEY,
    rollout_id TEXT NOT NULL,
    detector   TEXT NOT NULL,
    label      TEXT NOT NULL,
    category   TEXT,
    family     TEXT,
    confidence REAL NOT NULL,
    json       TEXT NOT NULL,
    UNIQUE (rollout_id, detector)
);
CREATE INDEX verdicts_by_detector ON verdicts (detector, seq);
CREATE TABLE scalars (
    seq    INTEGER PRIMARY KEY,
    step   INTEGER NOT NULL,
    name   TEXT NOT NULL,
    value  REAL,
    source TEXT NOT NULL,
    UNIQUE (step, name, source)
);
CREATE TABLE sources (
    path   TEXT PRIMARY KEY,
    offset INTEGER NOT NULL,
    line   INTEGER NOT NULL,
    size   INTEGER NOT NULL,
    mtime  REAL NOT NULL
);
"""
"""``sources`` holds how far each ingested file has been read (``watch`` resumes
from it); it is written in the same transaction as the rows it covers."""

__all__ = ["APPLICATION_ID", "DDL", "SCHEMA_VERSION", "STORE_FILE"]
