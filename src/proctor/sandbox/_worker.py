"""One zygote process seen from the judge: start it, talk to it, replace it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from proctor.sandbox._cancel import Cancelled, cancel_event
from proctor.sandbox._errors import InfraError
from proctor.sandbox._process import kill_session
from proctor.sandbox.runtime import frames, zygote

_SANDBOX_DIR = Path(__file__).resolve().parent
_START_TIMEOUT = 30.0


def _interpreter() -> str:
    """The base interpreter (``-I -S`` ignores a venv anyway): no checkout path in argv."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base) if os.path.exists(base) else sys.executable


class WorkerDied(InfraError):
    """The zygote stopped answering; the pool replaces it."""


_CANCEL_POLL = 0.05
"""Seconds between looks at a cancel event while waiting for the zygote."""


def _read_exact(
    fd: int, size: int, deadline: float, cancel: threading.Event | None = None
) -> bytes:
    chunks: list[bytes] = []
    while size:
        wait = deadline - time.monotonic()
        if cancel is not None:
            if cancel.is_set():
                raise Cancelled("the caller cancelled this work")
            wait = min(wait, _CANCEL_POLL)
            if wait > 0 and not select.select([fd], [], [], wait)[0]:
                continue  # look at the event again (the deadline is checked above)
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise WorkerDied("the sandbox worker did not answer in time")
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise WorkerDied("the sandbox worker exited")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class Worker:
    """A warm sandboxed interpreter; one request at a time."""

    def __init__(self, command_prefix: list[str], config: dict[str, Any]) -> None:
        self._prefix = command_prefix
        self._config = config
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self.mechanisms: list[str] = []
        self.notes: list[str] = []
        self.start()

    def start(self) -> None:
        """(Re)start the zygote and wait for its hello."""
        self.close()
        stderr = tempfile.TemporaryFile()
        # Nothing about the host in argv or the environment (every child inherits
        # both): the runtime directory and the configuration come on stdin.
        cmd = [*self._prefix, _interpreter(), "-I", "-S", "-B", "-c", zygote.BOOT]
        env = {"LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        try:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise InfraError(f"could not start the sandbox: {exc}") from exc
        self._stderr = stderr
        boot = {"dir": str(_SANDBOX_DIR), "config": self._config}
        try:
            assert self._proc.stdin is not None
            frames.write_frame(self._proc.stdin.fileno(), json.dumps(boot).encode())
            hello = json.loads(self._read_frame(time.monotonic() + _START_TIMEOUT))
        except (WorkerDied, OSError) as exc:
            detail = self.stderr_tail()
            self.close()
            raise InfraError(f"the sandbox did not start: {exc}. {detail}") from exc
        if not hello.get("hello"):
            self.close()
            raise InfraError(f"the sandbox did not start: {hello.get('error')}")
        self.mechanisms = list(hello["mechanisms"])
        self.notes = list(hello["notes"])

    def _read_frame(self, deadline: float, cancel: threading.Event | None = None) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        size = int.from_bytes(_read_exact(fd, 4, deadline, cancel), "big")
        if size > frames.MAX_FRAME:
            raise WorkerDied("the sandbox worker sent an oversized frame")
        return _read_exact(fd, size, deadline, cancel)

    @property
    def alive(self) -> bool:
        """The zygote is running (a cancelled or dead one is restarted on the next request)."""
        return self._proc is not None and self._proc.poll() is None

    def request(self, message: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one request; return the reply header and body."""
        if self._proc is None or self._proc.poll() is not None:
            raise WorkerDied("the sandbox worker is not running")
        assert self._proc.stdin is not None
        deadline = time.monotonic() + timeout
        cancel = cancel_event()
        if cancel is not None and cancel.is_set():  # cancelled while it waited for a worker:
            raise Cancelled("the caller cancelled this work")  # nothing sent, nothing to kill
        try:
            frames.write_frame(self._proc.stdin.fileno(), json.dumps(message).encode())
            header = json.loads(self._read_frame(deadline, cancel))
            body = self._read_frame(deadline, cancel)
        except Cancelled:
            self.close()  # kills the child mid-test; the next request starts a fresh zygote
            raise
        except (OSError, ValueError) as exc:
            raise WorkerDied(f"lost the sandbox worker: {exc}") from exc
        except WorkerDied as exc:  # say why: the zygote's last words are in its stderr
            tail = self.stderr_tail()
            raise WorkerDied(f"{exc}{'. ' + tail if tail else ''}") from exc
        return header, body

    def stderr_tail(self, limit: int = 2000) -> str:
        """The end of what the zygote wrote on stderr (a traceback, a clean-up problem)."""
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            text: str = self._stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return f"sandbox stderr: {text}" if text else ""

    def close(self) -> None:
        """Kill the zygote and everything under it."""
        proc, self._proc = self._proc, None
        if proc is not None:
            kill_session(proc)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
