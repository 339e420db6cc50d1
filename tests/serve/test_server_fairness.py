"""The reward server under overload, for real on loopback: a bounded queue in samples,
abandoned work dropped, half-sent bodies released, a bearer token, metrics."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TASK = {
    "id": "t/echo",
    "prompt": "def echo(x):\n",
    "entry_point": "echo",
    "reference": "def echo(x):\n    return x\n",
    "visible": {"inputs": [[1], [2]]},
}
GOOD = "```python\ndef echo(x):\n    return x\n```"
HANG = "```python\ndef echo(x):\n    while True:\n        pass\n```"


class Server:
    def __init__(self, url: str, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.url, self.port, self.proc, self.log = url, port, proc, log

    def metrics(self) -> dict[str, float]:
        text = httpx.get(f"{self.url}/metrics", headers=AUTH, timeout=5).text
        return {
            name: float(value)
            for name, value in (
                line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#")
            )
        }

    def wait_for(self, name: str, ok: Any, limit: float = 40.0) -> float:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            value = self.metrics()[name]
            if ok(value):
                return value
            time.sleep(0.1)
        raise AssertionError(f"{name} never reached the awaited value (last {value})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    tasks = root / "tasks.jsonl"
    tasks.write_text(json.dumps(TASK) + "\n")
    log = root / "server.log"
    port = _free_port()
    env = {**os.environ, "PROCTOR_SERVE_TOKEN": TOKEN, "PROCTOR_CACHE_DIR": str(root / "cache")}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from proctor.cli import main; main()",
                "serve",
                "rewards",
                "--tasks",
                str(tasks),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--max-samples",
                "4",
                "--max-queue-samples",
                "4",
                "--read-timeout",
                "3",
                "--warm",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the server did not come up in 90 s")
    yield Server(url, port, proc, log)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _body(*codes: str) -> dict[str, list[str]]:
    return {"query": list(codes), "labels": [TASK["id"]] * len(codes)}


def test_the_token_is_required(server: Server) -> None:
    url = f"{server.url}/get_reward"
    missing = httpx.post(url, json=_body(GOOD), timeout=10)
    wrong = httpx.post(url, json=_body(GOOD), timeout=10, headers={"Authorization": "Bearer x"})
    right = httpx.post(url, json=_body(GOOD), timeout=30, headers=AUTH)
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.json()["rewards"] == [1.0]
    assert httpx.get(f"{server.url}/metrics", timeout=5).status_code == 401


async def _overload(server: Server) -> tuple[httpx.Response, float]:
    async with httpx.AsyncClient(timeout=60, headers=AUTH) as client:
        full = asyncio.create_task(
            client.post(f"{server.url}/get_reward", json=_body(HANG, HANG, HANG, HANG))
        )
        for _ in range(400):  # until the four samples hold the whole queue
            await asyncio.sleep(0.05)
            if (await client.get(f"{server.url}/health")).json()["queue_samples"] == 4:
                break
        began = time.perf_counter()
        refused = await client.post(f"{server.url}/get_reward", json=_body(GOOD))
        took = time.perf_counter() - began
        full.cancel()  # hang up on the queued work
        return refused, took


def test_a_full_queue_answers_503_with_retry_after(server: Server) -> None:
    refused, _ = asyncio.run(_overload(server))
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert "queue is full" in refused.json()["detail"]
    server.wait_for("proctor_queue_samples", lambda v: v == 0)


async def _nearly_full(server: Server) -> tuple[httpx.Response, httpx.Response]:
    """Three hanging samples of the four the queue holds; then two samples, then one."""
    async with httpx.AsyncClient(timeout=60, headers=AUTH) as client:
        held = asyncio.create_task(
            client.post(f"{server.url}/get_reward", json=_body(HANG, HANG, HANG))
        )
        for _ in range(400):
            await asyncio.sleep(0.05)
            if (await client.get(f"{server.url}/health")).json()["queue_samples"] == 3:
                break
        two = await client.post(f"{server.url}/get_reward", json=_body(GOOD, GOOD))
        one = await client.post(f"{server.url}/get_reward", json=_body(GOOD))
        held.cancel()
        return two, one


def test_a_request_is_admitted_whole_or_refused_whole(server: Server) -> None:
    server.wait_for("proctor_queue_samples", lambda v: v == 0)
    two, one = asyncio.run(_nearly_full(server))
    assert two.status_code == 503 and "2 asked" in two.json()["detail"]
    assert int(two.headers["retry-after"]) >= 1
    assert one.status_code == 200 and one.json()["rewards"] == [1.0]  # it fitted
    server.wait_for("proctor_queue_samples", lambda v: v == 0)


async def _abandon(server: Server) -> None:
    """Post four hanging samples, hang up once the server holds them all."""
    async with httpx.AsyncClient(timeout=60, headers=AUTH) as client:
        posted = asyncio.create_task(
            client.post(f"{server.url}/get_reward", json=_body(HANG, HANG, HANG, HANG))
        )
        for _ in range(400):
            await asyncio.sleep(0.05)
            if (await client.get(f"{server.url}/health")).json()["queue_samples"] == 4:
                break
        else:
            raise AssertionError("the four samples were never admitted")
        posted.cancel()  # closes the connection: the client is gone


def test_abandoned_work_is_dropped(server: Server) -> None:
    server.wait_for("proctor_queue_samples", lambda v: v == 0)
    before = server.metrics()
    asyncio.run(_abandon(server))
    server.wait_for("proctor_queue_samples", lambda v: v == 0)  # the running one finished
    after = server.metrics()
    started = after["proctor_samples_started_total"] - before["proctor_samples_started_total"]
    dropped = after["proctor_samples_cancelled_total"] - before["proctor_samples_cancelled_total"]
    assert started + dropped == 4 and dropped >= 2


def _delta(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after[name] - before[name]


def test_a_sample_grading_when_its_client_hangs_up_is_stopped(server: Server) -> None:
    """The hanging sample that was already grading is stopped (its child killed), not
    left to run out its time budget, and the worker grades the next request."""
    server.wait_for("proctor_queue_samples", lambda v: v == 0)
    before = server.metrics()
    asyncio.run(_abandon(server))
    server.wait_for("proctor_queue_samples", lambda v: v == 0)
    after = server.metrics()
    started = _delta(before, after, "proctor_samples_started_total")
    assert _delta(before, after, "proctor_samples_interrupted_total") == started >= 1
    graded = httpx.post(f"{server.url}/get_reward", json=_body(GOOD), headers=AUTH, timeout=30)
    assert graded.status_code == 200 and graded.json()["rewards"] == [1.0]


def _half_send(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=15)
    conn.sendall(
        b"POST /get_reward HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + TOKEN.encode()
        + b"\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"query": ['
    )
    return conn


def test_half_sent_bodies_are_released(server: Server) -> None:
    server.wait_for("proctor_queue_samples", lambda v: v == 0)
    stalled = [_half_send(server.port) for _ in range(6)]
    try:
        assert server.wait_for("proctor_bodies_reading", lambda v: v >= 1, limit=10) >= 1
        assert server.metrics()["proctor_queue_samples"] == 0  # they hold no queue slot
        graded = httpx.post(f"{server.url}/get_reward", json=_body(GOOD), headers=AUTH, timeout=30)
        assert graded.status_code == 200  # the stalled bodies hold no queue slot
        answers = [conn.recv(4096) for conn in stalled]  # the read timeout answers them
    finally:
        for conn in stalled:
            conn.close()
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers)
    server.wait_for("proctor_bodies_reading", lambda v: v == 0, limit=10)


def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(server: Server) -> None:
    for _ in range(5):
        _half_send(server.port).close()
    server.wait_for("proctor_bodies_reading", lambda v: v == 0, limit=10)
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
    assert "Traceback" not in server.log.read_text()


def test_metrics_parse_as_prometheus_text(server: Server) -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    httpx.post(f"{server.url}/get_reward", json=_body(GOOD, GOOD), headers=AUTH, timeout=30)
    text = httpx.get(f"{server.url}/metrics", headers=AUTH, timeout=5).text
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    assert families["proctor_queue_samples"].type == "gauge"
    latency = families["proctor_request_duration_seconds"]
    assert latency.type == "histogram"
    buckets = [s.value for s in latency.samples if s.name.endswith("_bucket")]
    assert buckets == sorted(buckets) and buckets[-1] >= 1
    rewards = {s.labels["status"]: s.value for s in families["proctor_rewards"].samples}
    assert rewards["ok"] >= 2
