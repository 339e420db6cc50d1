"""``watch``: poll a trainer's output folder and ingest what appears, until told to stop."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from proctor.runs._ingest import Ingestor, IngestReport


def watch(
    ingestor: Ingestor,
    paths: Sequence[Path],
    *,
    interval: float = 2.0,
    once: bool = False,
    timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_poll: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Ingest new files and newly appended complete lines under ``paths``, polling.

    Polling (``os.stat`` every ``interval`` seconds) needs no extra dependency and
    works on network file systems where inotify does not. Each poll reads only files
    whose size or modification time changed, from the offset stored with the rows
    (so a restarted watch resumes without duplicates); a line still being written is
    left for the next poll. Stops after one poll (``once``), after ``timeout``
    seconds, when ``should_stop()`` is true, or on Ctrl-C (``KeyboardInterrupt``
    propagates; every batch committed before it is kept).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        for path in ingestor.discover(paths, strict=False):
            ingestor.ingest_file(path, final=False)
        if on_poll is not None:
            on_poll(ingestor.report)
        if once or (should_stop is not None and should_stop()):
            return ingestor.report
        if deadline is not None and time.monotonic() + interval > deadline:
            return ingestor.report
        time.sleep(interval)
