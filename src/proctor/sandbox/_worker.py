"""One zygote process seen from the judge: start it, talk to it, replace it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proctor.sandbox._errors import InfraError
from proctor.sandbox._process import kill_session
from proctor.sandbox.runtime import frames

_SANDBOX_DIR = Path(__file__).resolve().parent
_ZYGOTE = _SANDBOX_DIR / "runtime" / "zygote.py"
_START_TIMEOUT = 30.0


class WorkerDied(InfraError):
    """The zygote stopped answering; the pool replaces it."""


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while size:
        wait = deadline - time.monotonic()
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
        self.mechanisms: list[str] = []
        self.notes: list[str] = []
        self.start()

    def start(self) -> None:
        """(Re)start the zygote and wait for its hello."""
        self.close()
        stderr = tempfile.TemporaryFile()
        cmd = [
            *self._prefix,
            sys.executable,
            "-I",
            "-S",
            "-B",
            str(_ZYGOTE),
            str(_SANDBOX_DIR),
            json.dumps(self._config),
        ]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
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
        try:
            hello = json.loads(self._read_frame(time.monotonic() + _START_TIMEOUT))
        except WorkerDied as exc:
            stderr.seek(0)
            detail = stderr.read().decode(errors="replace").strip()[-2000:]
            self.close()
            raise InfraError(f"the sandbox did not start: {exc}. {detail}") from exc
        if not hello.get("hello"):
            self.close()
            raise InfraError(f"the sandbox did not start: {hello.get('error')}")
        self.mechanisms = list(hello["mechanisms"])
        self.notes = list(hello["notes"])

    def _read_frame(self, deadline: float) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        size = int.from_bytes(_read_exact(fd, 4, deadline), "big")
        if size > frames.MAX_FRAME:
            raise WorkerDied("the sandbox worker sent an oversized frame")
        return _read_exact(fd, size, deadline)

    def request(self, message: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one request; return the reply header and body."""
        if self._proc is None or self._proc.poll() is not None:
            raise WorkerDied("the sandbox worker is not running")
        assert self._proc.stdin is not None
        deadline = time.monotonic() + timeout
        try:
            frames.write_frame(self._proc.stdin.fileno(), json.dumps(message).encode())
            header = json.loads(self._read_frame(deadline))
            body = self._read_frame(deadline)
        except (OSError, ValueError) as exc:
            raise WorkerDied(f"lost the sandbox worker: {exc}") from exc
        return header, body

    def close(self) -> None:
        """Kill the zygote and everything under it."""
        proc, self._proc = self._proc, None
        if proc is not None:
            kill_session(proc)
