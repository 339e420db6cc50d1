#!/usr/bin/env python
"""Reward-server latency and throughput vs concurrency and request size, on loopback.

A real ``proctor serve rewards`` (the demo tasks, ``--workers 2``, the default queue
bound: the larger of ``--max-samples 64`` and 32 samples per worker; ``--queue N`` sets
it) is driven by one asyncio client process: ``C`` concurrent clients each post requests
of ``S`` samples (honest solutions, half of them wrong) in a closed loop for
``--seconds``. A refused client (503) waits ``Retry-After`` seconds, with jitter (×
U(0.5, 1.5)), and tries again. Recorded per level: latency of admitted requests (p50,
p99), the 503 response time (p50, p99, max), graded samples per second, and client
errors.

Baseline in the same run: the same top load against a server whose queue is
effectively unbounded (``--max-queue-samples 1000000``), i.e. what admission without
a bound gives.

Run::

    .venv/bin/python benchmarks/serve.py [--seconds 8] [--clients 50,200,500] [--sizes 1,8]

Writes ``benchmarks/results/serve.md|json``. The client runs on the same machine as
the server (and, on a shared machine, next to other work): the load average is
recorded. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
from proctor.bench.demo import ROLLOUTS, TASKS  # noqa: E402


def _samples() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in ROLLOUTS.read_text().splitlines() if line.strip()]
    out = []
    for r in rows:
        if r["meta"]["kind"] not in ("honest_correct", "honest_wrong"):
            continue
        code = r.get("code") or r.get("completion")
        out.append((r["task_id"], f"```python\n{code}```"))
    return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, queue: int | None, workers: int, cache: Path) -> None:
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable,
            "-c",
            "from proctor.cli import main; main()",
            "serve",
            "rewards",
            "--tasks",
            str(TASKS),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--max-samples",
            "64",
            "--warm",
        ]
        if queue is not None:
            args += ["--max-queue-samples", str(queue)]
        env = {**os.environ, "PROCTOR_CACHE_DIR": str(cache)}
        # Its log goes to a file: a pipe nobody drains while the load runs would fill
        # (each refusal in the route logs a warning) and then block the server's event loop.
        self.log = cache / f"server-{self.port}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited: {self.log.read_text()[-4000:]}")
            try:
                health = httpx.get(f"{self.url}/health", timeout=1)
                if health.status_code == 200:
                    self.capacity = int(health.json()["queue_capacity"])
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.proc.kill()
        raise SystemExit("the server did not come up in 120 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Connection:
    """A minimal keep-alive HTTP/1.1 client: httpx costs the client process more CPU per
    request than the server's answer takes, on cores the server shares."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, dict[str, str]]:
        reused = self.writer is not None
        try:
            return await self._post(body)
        except (ConnectionError, asyncio.IncompleteReadError, IndexError):
            self.close()
            if not reused:
                raise
        # the server closed an idle keep-alive connection (as HTTP clients do: send again)
        return await self._post(body)

    async def _post(self, body: bytes) -> tuple[int, dict[str, str]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(
            b"POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        )
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(
    port: int, clients: int, size: int, seconds: float, samples: list[tuple[str, str]]
) -> dict[str, Any]:
    ok: list[float] = []
    refused: list[float] = []
    errors: dict[str, int] = {}
    graded = 0
    stop_at = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal graded
        local = random.Random(k)
        conn = _Connection(port)
        await asyncio.sleep(local.random() * 0.5)  # spread the first requests
        while time.perf_counter() < stop_at:
            picked = [samples[local.randrange(len(samples))] for _ in range(size)]
            body = json.dumps(
                {"query": [code for _, code in picked], "labels": [t for t, _ in picked]}
            ).encode()
            began = time.perf_counter()
            try:
                status, headers = await asyncio.wait_for(conn.post(body), 120)
            except (
                OSError,
                asyncio.IncompleteReadError,
                TimeoutError,
                ValueError,
                IndexError,
            ) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                conn.close()
                continue
            took = time.perf_counter() - began
            if status == 200:
                ok.append(took)
                graded += size
            elif status == 503:
                refused.append(took)
                wait = float(headers.get("retry-after", "1"))
                await asyncio.sleep(wait * (0.5 + local.random()))  # as asked, with jitter
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        conn.close()

    health: list[float] = []
    depths: list[int] = []

    async def probe() -> None:
        """GET /health every 100 ms: the floor for any answer of this server, right now,
        and the queue's depth then (below the workers: a worker had nothing to grade)."""
        await asyncio.sleep(1.0)
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                await writer.drain()
                answer = await reader.read()
                writer.close()
                health.append(time.perf_counter() - began)
                depths.append(int(json.loads(answer.split(b"\r\n\r\n", 1)[1])["queue_samples"]))
            except OSError:
                pass
            await asyncio.sleep(0.1)

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(probe(), *(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "samples_per_request": size,
        "seconds": elapsed,
        "admitted": len(ok),
        "refused": len(refused),
        "errors": errors,
        "admitted_p50_s": _pct(ok, 0.5),
        "admitted_p99_s": _pct(ok, 0.99),
        "admitted_max_s": max(ok, default=None),
        "refused_p50_ms": (_pct(refused, 0.5) or 0) * 1000 if refused else None,
        "refused_p99_ms": (_pct(refused, 0.99) or 0) * 1000 if refused else None,
        "refused_max_ms": max(refused) * 1000 if refused else None,
        "samples_per_s": graded / elapsed,
        "client_cpu_s": time.process_time() - cpu,
        "queue_depths": depths,
        "health_p50_ms": (_pct(health, 0.5) or 0) * 1000 if health else None,
        "health_p99_ms": (_pct(health, 0.99) or 0) * 1000 if health else None,
    }


def _cpu_s(pid: int) -> float:
    """CPU seconds of the server process itself (all its threads, not its sandboxes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _refusals(server: Server, samples: list[tuple[str, str]], n: int) -> dict[str, Any]:
    """Fill the queue with work that hangs, then time ``n`` refusals one after another on
    one keep-alive connection, with the server's CPU for them."""
    task_id = samples[0][0]
    entry = task_id.split("/")[-1]
    hang = f"```python\ndef {entry}(*args):\n    while True:\n        pass\n```"
    fill = json.dumps({"query": [hang] * 64, "labels": [task_id] * 64}).encode()
    holders = []
    for _ in range(max(1, server.capacity // 64)):
        conn = _Connection(server.port)
        holders.append(asyncio.ensure_future(conn.post(fill)))
    for _ in range(300):  # until the queue is full
        await asyncio.sleep(0.05)
        if httpx.get(f"{server.url}/health", timeout=10).json()["queue_samples"] >= server.capacity:
            break
    probe = _Connection(server.port)
    body = json.dumps({"query": [samples[0][1]], "labels": [task_id]}).encode()
    times, statuses = [], []
    cpu = _cpu_s(server.proc.pid)
    for _ in range(n):
        began = time.perf_counter()
        status, _ = await probe.post(body)
        times.append(time.perf_counter() - began)
        statuses.append(status)
    cpu = _cpu_s(server.proc.pid) - cpu
    probe.close()
    for holder in holders:
        holder.cancel()
    return {
        "requests": n,
        "refused": statuses.count(503),
        "p50_ms": (_pct(times, 0.5) or 0) * 1000,
        "p99_ms": (_pct(times, 0.99) or 0) * 1000,
        "server_cpu_ms_per_request": cpu * 1000 / n,
    }


def _server_side(url: str) -> dict[str, float]:
    """The server's own latency histogram (admission to answer) and counters."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def _server_p99(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Upper bound of the histogram bucket holding the 99th percentile, for this level."""
    name = "proctor_request_duration_seconds"
    count = after.get(f"{name}_count", 0) - before.get(f"{name}_count", 0)
    if count <= 0:
        return None
    buckets = sorted(
        (float(k.split('le="')[1].rstrip('"}')), v - before.get(k, 0))
        for k, v in after.items()
        if k.startswith(f"{name}_bucket")
    )
    for bound, n in buckets:
        if n >= 0.99 * count:
            return bound
    return None


def _idle(row: dict[str, Any], workers: int) -> float | None:
    """Share of /health probes that found fewer samples in the queue than workers."""
    depths = row["queue_depths"]
    return sum(d < workers for d in depths) / len(depths) if depths else None


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", default="50,200,500")
    parser.add_argument("--sizes", default="1,8")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--queue", type=int, default=None, help="--max-queue-samples (default: the server's)"
    )
    parser.add_argument("--refusals", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    samples = _samples()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    load_before = list(os.getloadavg())
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="proctor-serve-bench-") as cache:
        server = Server(args.queue, args.workers, Path(cache))
        capacity = server.capacity
        try:
            asyncio.run(_load(server.port, 4, 1, 1.0, samples))  # warm-up, not recorded
            for size in sizes:
                for c in clients:
                    before = _server_side(server.url)
                    cpu = _cpu_s(server.proc.pid)
                    row = asyncio.run(_load(server.port, c, size, args.seconds, samples))
                    row["server_cpu_s"] = _cpu_s(server.proc.pid) - cpu
                    row["server_p99_bucket_s"] = _server_p99(before, _server_side(server.url))
                    row["queue"] = "bounded"
                    print(json.dumps(row))
                    rows.append(row)
            refusals = asyncio.run(_refusals(server, samples, args.refusals))
            print(json.dumps(refusals))
        finally:
            server.stop()
        unbounded = Server(1_000_000, args.workers, Path(cache))
        try:
            before = _server_side(unbounded.url)
            row = asyncio.run(
                _load(unbounded.port, max(clients), max(sizes), args.seconds, samples)
            )
            row["server_p99_bucket_s"] = _server_p99(before, _server_side(unbounded.url))
            row["queue"] = "unbounded (baseline)"
            print(json.dumps(row))
            rows.append(row)
        finally:
            unbounded.stop()
    verdicts = []
    for size in sizes:
        at = {
            r["clients"]: r
            for r in rows
            if r["queue"] == "bounded" and r["samples_per_request"] == size
        }
        low, high = at.get(min(clients)), at.get(max(clients))
        if low and high and low["admitted_p99_s"] and high["admitted_p99_s"]:
            verdicts.append(
                {
                    "samples_per_request": size,
                    "p99_ratio": high["admitted_p99_s"] / low["admitted_p99_s"],
                    "refused_p99_ms_at_top": high["refused_p99_ms"],
                }
            )
    result = {
        "commit": commit,
        "workers": args.workers,
        "queue_capacity": capacity,
        "seconds_per_level": args.seconds,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "rows": rows,
        "verdicts": verdicts,
    }
    queue_flag = "" if args.queue is None else f" --queue {args.queue}"
    queue_note = (
        "the default: the larger of --max-samples 64 and 32 per worker"
        if args.queue is None
        else "set with --max-queue-samples"
    )
    md = [
        "# Reward server: latency and throughput vs concurrency (loopback)",
        "",
        f"`.venv/bin/python benchmarks/serve.py --seconds {args.seconds:g} --clients "
        f"{args.clients} --sizes {args.sizes}{queue_flag}` (commit {commit}). Server: demo "
        f"tasks, `--workers {args.workers}`, queue bound {capacity} samples ({queue_note}). "
        f"Client: one asyncio process on the same {os.cpu_count()}-CPU machine, "
        f"shared with other work: load average {load_before[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after. {args.seconds:g} s per level, closed loop; a "
        "refused client waits Retry-After × U(0.5, 1.5) seconds, as the header asks.",
        "",
        "| queue | clients | samples/request | admitted | p50 (s) | p99 (s) | server p99 ≤ (s) "
        "| 503s | 503 p50 (ms) | 503 p99 (ms) | 503 max (ms) | /health p50 / p99 (ms) "
        "| samples/s | workers idle | server CPU s | client CPU s | client errors |",
        "|---|" + "---:|" * 15 + "---|",
    ]
    for r in rows:
        md.append(
            f"| {r['queue']} | {r['clients']} | {r['samples_per_request']} | {r['admitted']} | "
            f"{_fmt(r['admitted_p50_s'], '.2f')} | {_fmt(r['admitted_p99_s'], '.2f')} | "
            f"{_fmt(r['server_p99_bucket_s'], 'g')} | {r['refused']} | "
            f"{_fmt(r['refused_p50_ms'], '.1f')} | "
            f"{_fmt(r['refused_p99_ms'], '.1f')} | {_fmt(r['refused_max_ms'], '.1f')} | "
            f"{_fmt(r['health_p50_ms'], '.1f')} / {_fmt(r['health_p99_ms'], '.1f')} | "
            f"{r['samples_per_s']:.1f} | {_fmt(_idle(r, args.workers), '.0%')} | "
            f"{_fmt(r.get('server_cpu_s'), '.1f')} | {r['client_cpu_s']:.1f} | "
            f"{r['errors'] or 'none'} |"
        )
    md += [
        "",
        f"Refusals alone (same server, the queue held full by hanging work; "
        f"{refusals['requests']} requests one after another on one connection): "
        f"{refusals['refused']} answered 503, p50 {refusals['p50_ms']:.1f} ms, p99 "
        f"{refusals['p99_ms']:.1f} ms; the server spent "
        f"{refusals['server_cpu_ms_per_request']:.2f} ms of CPU per refusal.",
        "",
        "`/health` is the floor for any answer of this server at that moment (it does no "
        "work): when it is as slow as the 503s, the machine, not the refusal path, sets the "
        "latency. `server p99 ≤` is the upper bound of the server's own latency-histogram "
        "bucket (admission to answer) holding the 99th percentile. `workers idle`: share "
        "of the /health probes (every 100 ms) that found fewer samples admitted than "
        "workers (a worker had nothing to grade). `client CPU s`: the load generator's own "
        "CPU, taken from the same cores as the server's.",
        "",
        "Targets: p99 of admitted requests at the top concurrency within 2× of its "
        "value at the lowest; a 503 in under 100 ms.",
        "",
    ]
    for v in verdicts:
        md.append(
            f"- {v['samples_per_request']} sample(s)/request: p99 at {max(clients)} "
            f"clients / p99 at {min(clients)} = {v['p99_ratio']:.2f}× "
            f"({'met' if v['p99_ratio'] <= 2 else 'NOT met'}); 503 p99 at "
            f"{max(clients)} clients {_fmt(v['refused_p99_ms_at_top'], '.1f')} ms "
            f"({'met' if (v['refused_p99_ms_at_top'] or 0) < 100 else 'NOT met'})."
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serve.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "serve.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
