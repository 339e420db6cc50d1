"""Waiting for a `proctor serve rewards` subprocess to answer (shared by server tests)."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_healthy(proc: subprocess.Popen[bytes], url: str, seconds: float) -> None:
    """Return once ``url``/health answers 200; raise with the server's stderr if it exits,
    or after ``seconds`` (the process is killed then)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"the server exited: {stderr[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server did not come up in {seconds:g} s")
