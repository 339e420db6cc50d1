"""The clean template: the only process graded code is ever forked from.

The zygote splits in two right after it has preloaded its modules, before it
reads a single request:

- the **template** (this module) keeps the warm interpreter and nothing else.
  It never reads a request, a program, an input or a result. On each "fork"
  message it receives the job's pipe ends as file descriptors (SCM_RIGHTS),
  forks one job child, says its pid, waits for it and says how it ended.
- the **supervisor** (`zygote.Zygote`) talks to the judge, writes each job into
  its child's job pipe, relays result lines, kills and cleans up. It holds
  every job's data, and it never forks graded code.

So a graded child's address space is a copy of a process that has never held
another job's bytes: no reference source, no expected or sibling output, no
freed request buffer (the kernel hands out only zeroed pages).

The job child reads its own job from its pipe, and reports the outcome of its
lock-down on a status pipe that it closes before the program runs: the program
can never write on it, so only the sandbox itself can declare an infra error.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any, NoReturn

from . import child, frames

FORK = b"F"


def serve(sock: socket.socket, hardening: dict[str, Any], workspace: Any) -> NoReturn:
    """The template's loop: fork a job child per request, report its end."""
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 16, 8)
        except OSError:
            os._exit(0)
        if message != FORK:
            os._exit(0)  # the supervisor is gone (EOF) or confused: end everything
        pid = os.fork()
        if pid == 0:
            try:  # nothing may return from a forked child into this loop
                sock.close()
                _job(fds, hardening, workspace)
            finally:
                os._exit(4)
        for fd in fds:
            os.close(fd)
        sock.send(pid.to_bytes(8, "big"))
        _, status, usage = os.wait4(pid, 0)
        while True:  # orphans re-parented to us (we are PID 1 in a pid namespace)
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        report = [pid, status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]
        sock.send(json.dumps(report).encode())


def _job(fds: list[int], hardening: dict[str, Any], workspace: Any) -> NoReturn:
    """In the job child: read the job from its pipe, then run it."""
    job_fd, status_fd, result_fd, *rest = fds
    try:
        meta = json.loads(frames.read_frame(job_fd))
        job = json.loads(frames.read_frame(job_fd))
        os.close(job_fd)
        job.update(meta)
    except BaseException as exc:
        child.report_setup(status_fd, f"could not read the job: {child.describe(exc)}")
        os._exit(3)
    workdir = str(job["workdir"])
    op = job.get("op")
    if op == "run":
        child.run_batch(job, result_fd, status_fd, workdir, hardening)
    elif op == "open":
        child.run_session(job, rest[0], result_fd, status_fd, workdir, hardening)
    elif op == "workspace" and workspace is not None:
        workspace.child_main(job, result_fd, status_fd, workdir, hardening)
    child.report_setup(status_fd, f"unknown job kind {op!r}")
    os._exit(3)
