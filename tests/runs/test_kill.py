"""A writer killed with SIGKILL mid-run loses nothing it acknowledged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from proctor.runs import RunStore

# Writes batches of 50 rollouts forever, printing each batch's number once
# add_rollouts has returned (= acknowledged). Batch ids are r{batch}-{k}.
WRITER = """
import sys
from proctor.records import Rollout
from proctor.runs import RunStore

with RunStore(sys.argv[1], chunk=50) as store:
    batch = 0
    while True:
        store.add_rollouts(Rollout(id=f"r{batch}-{k}", task_id="t", step=batch,
                                   code="def f(x):\\n    return x\\n" * 20) for k in range(50))
        print(batch, flush=True)
        batch += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_mid_run_keeps_every_acknowledged_batch(tmp_path: Path) -> None:
    run = tmp_path / "run"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(run)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert writer.stdout is not None
    acked: list[int] = []
    try:
        for line in writer.stdout:
            acked.append(int(line))
            if len(acked) >= 20:
                break
    finally:
        writer.send_signal(signal.SIGKILL)  # mid-run: it is already writing the next batch
        rest, _ = writer.communicate(timeout=30)
    acked += [int(x) for x in rest.split()]  # acknowledged before the kill landed
    assert writer.returncode == -signal.SIGKILL and len(acked) >= 20

    with RunStore(run, readonly=True) as store:
        stored = {r.id for r in store.rollouts()}
    missing = [f"r{b}-{k}" for b in acked for k in range(50) if f"r{b}-{k}" not in stored]
    assert missing == []
    # Nothing torn either: whole batches only, and the file is sound.
    assert len(stored) % 50 == 0
    conn = sqlite3.connect(run / "run.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
