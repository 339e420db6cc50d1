"""Stopping a helper process that runs in its own session, with everything it started."""

from __future__ import annotations

import os
import signal
import subprocess


def kill_session(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``proc``'s process group (it was started with ``start_new_session``),
    reap it, and close the pipes we hold to it. Safe on a process that already died."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass  # the group is already gone
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


__all__ = ["kill_session"]
