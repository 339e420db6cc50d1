"""The sandbox worker: a warm interpreter that serves jobs and forks nothing itself.

Started by the judge as ``python -I -S -B -c <boot>``; the boot code reads the
runtime directory and the configuration from the first frame on stdin (nothing
about the host travels in argv or the environment, which every child would
inherit). It enters the namespaces, preloads common modules, then splits:

- the **template** (`template.serve`) keeps the clean warm interpreter and forks
  one job child per job; it never sees a job's data;
- the **supervisor** (`Zygote`, this module) serves requests over stdin/stdout
  frames: it writes each job into its child's job pipe, relays the result
  lines, kills a child that stalls, and reports what it observed.

Neither runs graded code: only the forked job children do, after locking
themselves down (see child.py). Neither ever sees an expected output either.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import signal
import socket
import sys
import time
from typing import Any

from . import child, codec, frames, namespaces, scratch, template, workspace_job

_INDEX = re.compile(rb'^\{"i":(0|[1-9][0-9]{0,8}),')
_TIMED_OUT = re.compile(rb'^\{"i":(?:0|[1-9][0-9]{0,8}),"t":1[,}]')
_GRACE = 0.5  # seconds past the per-test limit before a silent child is killed
_EXIT_GRACE = 0.5  # seconds a child that closed its result pipe gets to exit by itself
_SETUP_TIMEOUT = 60.0  # seconds a child may take to read its job and lock down (no graded code)
_BUFFER_BYTES = 1 << 16


def _widen(fd: int) -> None:
    """Ask for a 1 MiB pipe buffer (default 64 KiB): fewer round trips for big results."""
    try:
        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
    except OSError:
        pass  # capped by /proc/sys/fs/pipe-max-size: the default still works


def _read_until_eof(fd: int, timeout: float, limit: int = 1 << 16) -> bytes | None:
    """Everything written on ``fd`` until its writer closes it; None on timeout."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            return None
        chunk = os.read(fd, limit)
        if not chunk:
            return data
        data = (data + chunk)[:limit]


class _Timeouts:
    """Time-outs of one batch and the count at which it ends (0: never)."""

    def __init__(self, cap: int) -> None:
        self.cap, self.seen = cap, 0

    def add(self) -> bool:
        """Count one; True when this one ends the batch."""
        self.seen += 1
        return self.reached

    @property
    def reached(self) -> bool:
        return self.cap > 0 and self.seen >= self.cap

    def reason(self) -> str:
        return f"{self.seen} test{'s' if self.seen != 1 else ''} timed out"


class Ended:
    """How a job child ended, as the supervisor and the template saw it."""

    def __init__(self, status: int | None, cpu: float, rss: int) -> None:
        self.status = status  # wait status if it ended by itself; None if we killed it
        self.cpu, self.rss = cpu, rss

    @property
    def foreign_signal(self) -> int | None:
        """The signal that killed it, when proctor did not send one."""
        if self.status is not None and os.WIFSIGNALED(self.status):
            return os.WTERMSIG(self.status)
        return None


class Spawned:
    """A job child's pid and the supervisor's ends of its pipes."""

    def __init__(self, pid: int, result: int, status: int, request: int | None) -> None:
        self.pid, self.result, self.status, self.request = pid, result, status, request

    def close(self) -> None:
        for fd in (self.result, self.status, self.request):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


class Zygote:
    """The supervisor: one request at a time, at most one job child alive."""

    def __init__(self, config: dict[str, Any], ctl: socket.socket, mechanisms: list[str]) -> None:
        self.config = config
        self.ctl = ctl
        # PID 1 of our pid namespace is the template: kill(-1) reaches every job
        # process and straggler, and spares the template and us.
        self.is_init = os.getppid() == 1 and "pidns" in mechanisms
        self.mechanisms = mechanisms
        self.session: dict[str, Any] | None = None
        self.scratch = scratch.Scratch(
            config.get("tmp") or None,
            int(config["tmpfs_mb"]),
            "userns" in mechanisms and config.get("job_tmpfs", True),
        )
        self.dirty: list[str] = []  # job directories to remove once the reply is out

    # -- job children ------------------------------------------------------------
    def spawn(self, raw: bytes, meta: dict[str, Any], session: bool = False) -> Spawned:
        """Have the template fork a job child and hand it ``raw`` (the request) + ``meta``."""
        job_r, job_w = os.pipe()
        status_r, status_w = os.pipe()
        result_r, result_w = os.pipe()
        _widen(result_w)
        theirs = [job_r, status_w, result_w]
        request_w = None
        if session:
            request_r, request_w = os.pipe()
            theirs.append(request_r)
        try:
            socket.send_fds(self.ctl, [template.FORK], theirs)
            pid = int.from_bytes(self._ctl_recv(_SETUP_TIMEOUT) or b"", "big")
        finally:
            for fd in theirs:
                os.close(fd)
        if not pid:
            raise RuntimeError("the template did not fork a job child")
        try:  # the child reads all of it before it writes anything: no deadlock
            frames.write_frame(job_w, json.dumps(meta).encode())
            frames.write_frame(job_w, raw)
        except BrokenPipeError:
            pass  # it died already: its status pipe says nothing, end() says how
        finally:
            os.close(job_w)
        return Spawned(pid, result_r, status_r, request_w)

    def setup_error(self, child: Spawned) -> tuple[bool, str | None]:
        """(locked down, infra error), from the status pipe the program never sees."""
        said = _read_until_eof(child.status, _SETUP_TIMEOUT)
        if said == b"ok":
            return True, None
        if said is None:
            return False, "the sandbox child did not finish its set-up in time"
        if said.startswith(b"fail:"):
            return False, said[5:].decode("utf-8", "replace")
        return False, ""  # it died before it could say: end() tells how

    def _ctl_recv(self, timeout: float) -> bytes | None:
        if not select.select([self.ctl], [], [], timeout)[0]:
            return None
        data = self.ctl.recv(4096)
        if not data:
            raise RuntimeError("the template exited")
        return data

    def end(self, child: Spawned, grace: float) -> Ended:
        """Kill the job child (unless it exits by itself within ``grace``) and all it left."""
        report = self._ctl_recv(grace) if grace > 0 else None
        killed = report is None
        if killed:
            for kill in (os.killpg, os.kill):
                try:
                    kill(child.pid, signal.SIGKILL)
                except OSError:
                    pass
        if self.is_init:
            try:
                os.kill(-1, signal.SIGKILL)  # stragglers; never the template (PID 1) or us
            except OSError:
                pass
        if report is None:
            report = self._ctl_recv(_SETUP_TIMEOUT)
            if report is None:
                raise RuntimeError("the template did not reap a killed job child")
        child.close()
        _pid, status, cpu, rss = json.loads(report)
        return Ended(None if killed else int(status), float(cpu), int(rss))

    def workdir(self) -> str:
        path = self.scratch.make()
        self.dirty.append(path)
        return path

    def clean(self) -> None:
        """Remove the job directories (after the reply: a slow clean-up delays no verdict)."""
        while self.dirty:
            self.scratch.remove(self.dirty.pop())

    # -- batch jobs ----------------------------------------------------------------
    def run(self, job: dict[str, Any], raw: bytes) -> tuple[dict[str, Any], bytes]:
        limits = job["limits"]
        n = int(job["n"])
        order = job.get("order")
        remaining = [int(i) for i in order if 0 <= int(i) < n] if order else list(range(n))
        out = bytearray()
        seen: set[int] = set()
        deadline = time.monotonic() + float(limits["wall"])
        stall_after = float(limits["test"]) + _GRACE
        cpu = 0.0
        rss = restarts = 0
        load_error = None
        infra_error = None
        max_bytes = int(limits["output_mb"]) << 20
        # A child killed by a signal proctor did not send (the OOM killer, an
        # operator, a crash) is re-run once before anything counts against it.
        foreign_budget = 1
        foreign: list[int] = []
        # Time-outs seen (a child's "t" record or a stall we killed); at `cap` the batch
        # ends: a hanging program costs about cap × the per-test limit, not the wall.
        timeouts = _Timeouts(int(limits.get("timeouts", 0)))
        ended = None
        # The first run buffers its result lines (a pipe write per test costs more
        # than most tests). If it dies early, the lines it held are lost and the
        # culprit is unknown: re-run the rest one line per test to pin it down.
        buffered = True
        while remaining:
            meta = {
                "indexes": remaining,
                "buffer": _BUFFER_BYTES if buffered else 0,
                "workdir": self.workdir(),
            }
            child = self.spawn(raw, meta)
            locked, setup_error = self.setup_error(child)
            ready = stalled = overflow = False
            load_line = None
            if locked:
                ready, stalled, load_line, overflow = self._pump(
                    child.result, out, seen, n, deadline, stall_after, max_bytes, timeouts
                )
            cut = timeouts.reached
            clean_eof = locked and not (stalled or overflow or cut) and time.monotonic() < deadline
            finished = self.end(child, _EXIT_GRACE if clean_eof or not locked else 0.0)
            cpu, rss = cpu + finished.cpu, max(rss, finished.rss)
            remaining = [i for i in remaining if i not in seen]
            signum = finished.foreign_signal
            if signum is not None:
                foreign.append(signum)
            if not locked:
                if signum is not None and foreign_budget:
                    foreign_budget -= 1
                    continue
                infra_error = setup_error or (
                    f"the sandbox child died during its set-up ({_how(finished)})"
                )
                break
            if load_line is not None:
                load_error = str(json.loads(load_line).get("load"))
                break
            if cut and remaining:
                ended = timeouts.reason()
                break
            if not remaining or overflow or time.monotonic() >= deadline:
                break
            if signum is not None and foreign_budget:
                foreign_budget -= 1
                continue  # the same step again, nothing charged
            if not ready:
                load_error = "the program exited or hung while loading"
                if signum is not None:
                    load_error += f" (killed by signal {signum}, twice)"
                break
            if buffered:
                buffered = False
                continue
            culprit = remaining.pop(0)
            seen.add(culprit)
            kind = "t" if stalled else "c"
            out += b'{"i":%d,"%s":1}\n' % (culprit, kind.encode())
            restarts += 1
            if stalled and timeouts.add() and remaining:
                ended = timeouts.reason()
                break
            if restarts > int(limits["restarts"]):
                break
        header = {
            "cpu_s": cpu,
            "max_rss_kb": rss,
            "restarts": restarts,
            "load_error": load_error,
            "infra_error": infra_error,
            "signals": foreign,
            "ended": ended,
        }
        return header, bytes(out)

    def _pump(
        self,
        fd: int,
        out: bytearray,
        seen: set[int],
        n: int,
        deadline: float,
        stall_after: float,
        max_bytes: int,
        timeouts: _Timeouts,
    ) -> tuple[bool, bool, bytes | None, bool]:
        """Read result lines until EOF, a stall, the deadline, the output cap or the
        time-out that ends the batch (``timeouts.reached`` then says so)."""
        pending = bytearray()  # the unfinished last line; appended to, never rescanned
        ready = False
        last = time.monotonic()
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        while True:
            now = time.monotonic()
            wait = min(deadline - now, last + stall_after - now)
            if wait <= 0:
                return ready, True, None, False
            if not poller.poll(wait * 1000):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return ready, False, None, False
            last = time.monotonic()
            cut = chunk.rfind(b"\n")
            if cut < 0:  # a long line still arriving: keep it, look at it once when whole
                pending += chunk
                if len(out) + len(pending) > max_bytes:
                    return ready, False, None, True
                continue
            pending += chunk[: cut + 1]
            complete, pending = bytes(pending), bytearray(chunk[cut + 1 :])
            for line in complete.split(b"\n")[:-1]:
                m = _INDEX.match(line)
                if m:
                    i = int(m.group(1))
                    if i < n and i not in seen:  # out of range or a repeat: dropped here
                        seen.add(i)
                        out += line + b"\n"
                        # A forged "t" line only ends its own program's batch sooner.
                        if _TIMED_OUT.match(line) and timeouts.add():
                            return ready, False, None, False
                elif line == b'{"ready":1}':
                    ready = True
                elif line.startswith(b'{"load":') and not ready:
                    return ready, False, line, False
            if len(out) > max_bytes:
                return ready, False, None, True

    # -- sessions (one call at a time) -------------------------------------------
    def open_session(self, job: dict[str, Any], raw: bytes) -> dict[str, Any]:
        self.close_session()
        for attempt in (1, 2):
            reply, ended = self._load_session(job, raw)
            if reply.get("ok"):
                return reply
            if ended is not None and ended.foreign_signal is not None and attempt == 1:
                continue  # killed from outside: once more before it counts
            return reply
        raise AssertionError("unreachable")

    def _load_session(
        self, job: dict[str, Any], raw: bytes, calls: int = 0, retries: int = 1
    ) -> tuple[dict[str, Any], Ended | None]:
        """Fork a session child and wait until its program has loaded.

        ``calls``: how many calls an earlier child of this session answered (the new
        child numbers its results from 0; they are renumbered after those).
        """
        child = self.spawn(raw, {"workdir": self.workdir()}, session=True)
        self.session = {
            "child": child,
            "buf": b"",
            "limits": job["limits"],
            "dead": None,
            "eof": False,
            "ended": None,
            "job": job,
            "raw": raw,  # kept to re-run the session once if its child is killed from outside
            "calls": calls,
            "offset": calls,
            "retries": retries,
        }
        locked, setup_error = self.setup_error(child)
        # loading counts like one test: the same limit, so budgets scale with --test-timeout
        line = self._session_line(float(job["limits"]["test"]) + _GRACE) if locked else None
        if line == b'{"ready":1}':
            return {"ok": True}, None
        ended = self.close_session(_EXIT_GRACE)
        if not locked:
            error = setup_error or "the sandbox child died during its set-up"
            return {"ok": False, "infra_error": error}, ended
        error = "the program exited or hung while loading"
        if line is not None and line.startswith(b'{"load":'):
            try:
                error = str(json.loads(line)["load"])
            except (ValueError, KeyError, TypeError):
                pass
        return {"ok": False, "load_error": error}, ended

    def _session_line(self, timeout: float) -> bytes | None:
        assert self.session is not None
        s = self.session
        fd = s["child"].result
        deadline = time.monotonic() + timeout
        while b"\n" not in s["buf"]:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                s["eof"] = True  # the child closed its result pipe: it exited or was killed
                return None
            s["buf"] += chunk
            if len(s["buf"]) > int(s["limits"]["output_mb"]) << 20:
                return None
        line, s["buf"] = s["buf"].split(b"\n", 1)
        return bytes(line)

    def call(self, args: bytes) -> dict[str, Any]:
        s = self.session
        if s is None or s["dead"]:
            return {"dead": s["dead"] if s else "no session"}
        try:
            os.write(s["child"].request, args.rstrip(b"\n") + b"\n")
        except OSError:
            s["eof"] = True  # its request pipe is closed: it is gone
            return self._call_failed(args)
        line = self._session_line(float(s["limits"]["test"]) + _GRACE)
        if line is None:
            return self._call_failed(args)
        s["calls"] += 1
        m = _INDEX.match(line)
        if m is not None and s["offset"]:  # a re-run child counts its calls from 0
            line = b'{"i":%d,' % (int(m.group(1)) + s["offset"]) + line[m.end() :]
        return {"line": line.decode("utf-8", "replace")}

    def _call_failed(self, args: bytes) -> dict[str, Any]:
        """No answer to a call: a time-out, a crash, or a kill from outside (re-run once).

        A child killed by a signal proctor did not send (the OOM killer, an operator)
        gets a fresh child for the rest of the session, and the call is made again:
        only a second death counts against the program, as for batches.
        """
        s = self.session
        assert s is not None
        alive = not s["eof"] and not select.select([self.ctl], [], [], 0)[0]
        if alive:  # no answer within the per-test limit: the program's own doing
            s["dead"] = "timeout"
            return {"dead": "timeout"}
        ended = self.end(s["child"], _EXIT_GRACE)
        s["ended"] = ended
        if ended.foreign_signal is None or not s["retries"]:
            s["dead"] = "crash"
            return {"dead": "crash"}
        reply, _ = self._load_session(s["job"], s["raw"], calls=s["calls"], retries=0)
        if not reply.get("ok"):
            self.session = {**s, "dead": "crash"}  # already ended: nothing left to kill
            return {"dead": "crash"}
        return self.call(args)

    def close_session(self, grace: float = 0.0) -> Ended | None:
        s, self.session = self.session, None
        if s is None:
            return None
        if s["ended"] is not None:  # its child is gone and reaped already
            return s["ended"]  # type: ignore[no-any-return]
        return self.end(s["child"], grace)


def _how(ended: Ended) -> str:
    if ended.status is None:
        return "killed after a time-out"
    if os.WIFSIGNALED(ended.status):
        return f"signal {os.WTERMSIG(ended.status)}"
    return f"exit status {os.waitstatus_to_exitcode(ended.status)}"


def _send(header: dict[str, Any], body: bytes = b"") -> None:
    frames.write_frame(1, json.dumps(header).encode())
    frames.write_frame(1, body)


def _split(config: dict[str, Any], mechanisms: list[str]) -> socket.socket:
    """Fork the supervisor off the clean template; return the supervisor's control socket.

    The template (the parent: PID 1 where there is a pid namespace) never returns.
    """
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        theirs.close()
        return ours
    ours.close()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # the judge's request and reply pipes belong to the supervisor
    os.dup2(null, 1)
    os.close(null)
    workspace = workspace_job if config.get("pytest_site") else None
    template.serve(theirs, config["hardening"], workspace)


def main(config: dict[str, Any]) -> None:
    mechanisms: list[str] = []
    notes: list[str] = []
    # Everything is imported before the namespaces hide the host's /tmp (a checkout
    # or a venv may live there): nothing is imported lazily afterwards.
    for name in config["preload"]:
        try:
            __import__(name)
        except ImportError:
            notes.append(f"could not preload {name}")
    if config.get("orjson_dir"):
        try:  # the judge's own orjson, so a right answer's line is byte-identical
            codec.use_orjson_from(config["orjson_dir"])
        except Exception as exc:
            notes.append(f"results encoded with json: could not load orjson ({exc})")
    if config.get("pytest_site"):
        try:  # before any job: nothing is imported lazily once the sandbox narrows the view
            workspace_job.preload(list(config["pytest_site"]))
        except BaseException as exc:
            notes.append(f"could not import pytest: {child.describe(exc)}")
    if config["isolate"] == "userns":
        try:
            mechanisms += namespaces.enter(int(config["tmpfs_mb"]))
        except OSError as exc:
            frames.write_frame(1, json.dumps({"hello": 0, "error": f"{exc}"}).encode())
            sys.exit(2)
    hardening = config["hardening"]
    child.prepare(hardening)
    if hardening["landlock"]:
        mechanisms.append(f"landlock-abi{hardening['landlock']}")
    if hardening["seccomp"]:
        mechanisms.append("seccomp")
    mechanisms.append("rlimits")
    ctl = _split(config, mechanisms)
    zygote = Zygote(config, ctl, mechanisms)
    zygote.workdir()  # probe the scratch space once so the hello can name it
    zygote.clean()
    if zygote.scratch.mechanism:
        mechanisms.append(zygote.scratch.mechanism)
    frames.write_frame(
        1,
        json.dumps(
            {"hello": 1, "pid": os.getpid(), "mechanisms": mechanisms, "notes": notes}
        ).encode(),
    )
    while True:
        try:
            raw = frames.read_frame(0)
        except EOFError:
            break
        request = json.loads(raw)
        op = request.get("op")
        if op == "run":
            _send(*zygote.run(request, raw))
        elif op == "open":
            _send(zygote.open_session(request, raw))
        elif op == "call":
            _send(zygote.call(request["args"].encode()))
        elif op == "close":
            zygote.close_session()
            _send({"ok": True})
        elif op == "workspace":  # pytest on a whole repository (proctor.workspace)
            _send(*workspace_job.run(zygote, request, raw))
        else:
            _send({"error": f"unknown op {op!r}"})
        del raw, request
        zygote.clean()
    zygote.close_session()


# The judge starts ``python -I -S -B -c BOOT``; the first frame on stdin names the
# runtime directory and carries the configuration.
BOOT = (
    "import json,os,struct,sys\n"
    "def _r(n):\n"
    "    b=b''\n"
    "    while len(b)<n:\n"
    "        c=os.read(0,n-len(b))\n"
    "        if not c: raise SystemExit(2)\n"
    "        b+=c\n"
    "    return b\n"
    "_s=json.loads(_r(struct.unpack('>I',_r(4))[0]))\n"
    "sys.path.insert(0,_s['dir'])\n"
    "from runtime import zygote\n"
    "del sys.path[0]\n"
    "zygote.main(_s['config'])\n"
)
