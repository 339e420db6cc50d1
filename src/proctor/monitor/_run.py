"""A run directory, analysed: read the store (or the lab's files), judge what is unjudged, analyse.

A directory with ``run.sqlite`` is read from the store. One with only the lab's
files (``rollouts.jsonl.gz``, ``grades.jsonl.gz``, ``scalars.jsonl.gz``) is
ingested into a new store first. Rollouts without an ensemble verdict are
detected (memoised per distinct completion) when their tasks can be found, and
the verdicts are stored so the next report or audit is instant.

``meta["truth"]`` (the lab's ground truth) is dropped from every rollout on the way
in: no signal, detector or alert can read it.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from proctor.monitor._alerts import Alert, AlertEvidence
from proctor.monitor._analyse import Analysis, analyse
from proctor.monitor._config import MonitorConfig
from proctor.records import Grade, Rollout, Verdict

MAX_LINE_BYTES = 16 * 2**20
STORE_FILE = "run.sqlite"


class RunError(ValueError):
    """A run directory that cannot be read: the message names the file, line and fix."""


@dataclass
class RunRecords:
    """Everything the monitor reads from a run."""

    rollouts: list[Rollout]
    grades: list[Grade] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    scalars: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def blind(rollout: Rollout) -> Rollout:
    """The rollout without the lab's ground truth."""
    if "truth" not in rollout.meta:
        return rollout
    return rollout.model_copy(
        update={"meta": {k: v for k, v in rollout.meta.items() if k != "truth"}}
    )


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if len(raw) > MAX_LINE_BYTES:
                raise RunError(
                    f"{path}:{n}: line longer than {MAX_LINE_BYTES} bytes; "
                    "is this a proctor run file?"
                )
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError as exc:
                raise RunError(
                    f"{path}:{n}: invalid JSON ({exc}); re-run `proctor lab` or fix the line"
                ) from exc
            if not isinstance(row, dict):
                raise RunError(f"{path}:{n}: expected a JSON object")
            yield n, row


def _find(run_dir: Path, stem: str) -> Path | None:
    for name in (f"{stem}.jsonl.gz", f"{stem}.jsonl"):
        if (run_dir / name).is_file():
            return run_dir / name
    return None


def read_lab_files(run_dir: Path) -> RunRecords:
    """The lab's record files, validated (errors name the file and line)."""
    from proctor.runs import Scalar

    path = _find(run_dir, "rollouts")
    if path is None:
        raise RunError(
            f"{run_dir}: no {STORE_FILE} and no rollouts.jsonl(.gz): point at a run "
            "directory written by `proctor lab` or `proctor monitor ingest`"
        )
    records = RunRecords(rollouts=[])
    for stem, model, sink in (
        ("rollouts", Rollout, records.rollouts),
        ("grades", Grade, records.grades),
        ("verdicts", Verdict, records.verdicts),
    ):
        found = _find(run_dir, stem)
        for n, row in _lines(found) if found else iter(()):
            try:
                sink.append(model.model_validate(row))  # type: ignore[arg-type]
            except ValidationError as exc:
                why = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}"
                    for e in exc.errors()[:3]
                )
                raise RunError(f"{found}:{n}: not a {model.__name__}: {why}") from exc
    found = _find(run_dir, "scalars")
    for n, row in _lines(found) if found else iter(()):
        step = row.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise RunError(f'{found}:{n}: a scalar line needs a non-negative integer "step"')
        for name, value in row.items():
            if name != "step" and isinstance(value, int | float) and not isinstance(value, bool):
                records.scalars.append(Scalar(step=step, name=name, value=float(value)))
    manifest = run_dir / "run.json"
    if manifest.is_file() and manifest.stat().st_size < 4 * 2**20:
        try:
            loaded = json.loads(manifest.read_text())
            records.meta = loaded if isinstance(loaded, dict) else {}
        except ValueError as exc:
            raise RunError(f"{manifest}: invalid JSON ({exc})") from exc
    return records


def load_run(run_dir: Path, ingest: bool = True) -> RunRecords:
    """Read a run: the lab's files (ingested into the store with the ``lab`` adapter of
    `proctor.runs`, which reads only what is new since the last time, so a run still
    being written is seen up to its latest complete line) and the store.

    Without ``ingest``, or when the directory cannot be written, the lab's files are
    analysed in memory.
    """
    from proctor.io import RecordError
    from proctor.runs import Ingestor, RunStore, StoreError

    if not run_dir.is_dir():
        raise RunError(
            f"{run_dir}: not a directory; give the run directory (with {STORE_FILE} "
            "or the lab's rollouts.jsonl.gz)"
        )
    records: RunRecords | None = None
    if _find(run_dir, "rollouts") is not None:
        ingested = False
        if ingest:
            try:
                with RunStore(run_dir) as store:
                    # not final: a line still being written is left for the next load
                    Ingestor(store, "lab").run([run_dir], final=False)
                ingested = True
            except RecordError as exc:
                raise RunError(str(exc)) from exc
            except (OSError, sqlite3.Error, StoreError):
                pass  # read-only directory: analyse in memory
        if not ingested:
            records = read_lab_files(run_dir)
    if (run_dir / STORE_FILE).is_file() and (records is None or ingest):
        with RunStore(run_dir, readonly=True) as store:
            stored = RunRecords(
                rollouts=list(store.rollouts()),
                grades=list(store.grades()),
                verdicts=list(store.verdicts(detector="ensemble")),
                scalars=list(store.scalars()),
                meta=store.meta(),
            )
        if records is None or len(stored.rollouts) >= len(records.rollouts):
            records = stored
    if records is None:
        raise RunError(
            f"{run_dir}: no {STORE_FILE} and no rollouts.jsonl(.gz): point at a run "
            "directory written by `proctor lab` or `proctor monitor ingest`"
        )
    records.rollouts = [blind(r) for r in records.rollouts]
    return records


def analyse_records(records: RunRecords, config: MonitorConfig | None = None) -> Analysis:
    """Analyse loaded records; the trainer's own stops (``meta["events"]``) become alerts."""
    analysis = analyse(records.rollouts, records.grades, records.verdicts, records.scalars, config)
    analysis.alerts.extend(event_alerts(records.meta.get("events")))
    analysis.alerts.sort(key=lambda a: a.first_step)
    return analysis


def event_alerts(events: Any) -> list[Alert]:
    """An alert per trainer event a callback recorded (`RunStore.add_event`).

    ``HackAlertCallback`` acts on the hack rate or the proxy−gold gap (oracle-adjacent
    signals), so a stop is a ``hack`` alert: a report that says "ok" after the trainer
    stopped itself for hacking would be wrong.
    """
    alerts: list[Alert] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or not isinstance(event.get("step"), int):
            continue
        step, action = event["step"], str(event.get("action", "stop"))
        source = str(event.get("source", "a trainer callback"))
        reason = str(event.get("reason", ""))[:500]
        stopped = "stop" in action
        alerts.append(
            Alert(
                kind="trainer_stop" if stopped else "trainer_checkpoint",
                signal=str(event.get("signal", "hack_rate")),
                signal_kind="oracle",
                severity="hack",
                first_step=step,
                last_step=step,
                message=f"{source} {'stopped training' if stopped else 'saved a checkpoint'} "
                f"at step {step}: {reason}",
                action="inspect the rollouts of the steps before it; resume from an earlier "
                "checkpoint with a hardened reward",
                evidence=AlertEvidence(steps=[step], detail=reason),
            )
        )
    return alerts


__all__ = [
    "STORE_FILE",
    "RunError",
    "RunRecords",
    "analyse_records",
    "blind",
    "load_run",
    "read_lab_files",
]
