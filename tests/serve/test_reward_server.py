"""`proctor serve rewards` for real: uvicorn in a subprocess on a loopback port."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from _serving import wait_until_healthy
from proctor.bench.demo import ROLLOUTS, TASKS

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def _honest() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in ROLLOUTS.read_text().splitlines() if line.strip()]
    # raw completions as a model writes them: code in a fence, prose around it
    return [
        (r["task_id"], f"```python\n{r['code']}```" if "code" in r else r["completion"])
        for r in rows
        if r["meta"]["kind"] == "honest_correct"
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _zygotes(server: int) -> list[int]:
    """The server's sandbox workers: its direct children running the zygote."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == server and (b"import zygote" in cmdline or b"bwrap" in cmdline):
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    proc = subprocess.Popen(
        [
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
            str(port),
            "--workers",
            "2",
            "--max-body-mb",
            "1",
            "--max-samples",
            "64",
            "--max-queue-samples",
            "512",
            "--warm",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(proc, url, 90)
    yield url, proc
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _post_many(
    url: str, bodies: list[dict[str, object]], during: object = None
) -> tuple[list[httpx.Response], int]:
    """Post every body at once; ``during()`` runs mid-load. Returns the responses and how
    many had been answered when ``during`` ran."""
    limits = httpx.Limits(max_connections=len(bodies))
    answered = 0
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        tasks = [asyncio.create_task(client.post(f"{url}/get_reward", json=b)) for b in bodies]
        if callable(during):
            while sum(t.done() for t in tasks) < 20:  # the load is under way
                await asyncio.sleep(0.005)
            answered = sum(t.done() for t in tasks)
            during()
        return list(await asyncio.gather(*tasks)), answered


def _bodies(n: int) -> tuple[list[dict[str, object]], list[str]]:
    honest = _honest()
    bodies, tasks = [], []
    for i in range(n):
        task_id, code = honest[i % len(honest)]
        prompt = f"<|user|>solve {task_id}<|assistant|>"
        bodies.append(
            {
                "query": [prompt + code + "<|end|>", prompt + "oops"],
                "prompts": [prompt, prompt],
                "labels": [task_id, task_id],
            }
        )
        tasks.append(task_id)
    return bodies, tasks


def test_health_says_what_is_served(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    health = httpx.get(f"{server[0]}/health", timeout=5).json()
    assert health["status"] == "ok" and health["tasks"] == len(TASKS.read_text().splitlines())


def test_200_concurrent_requests_all_answered(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    bodies, _ = _bodies(200)
    responses, _ = asyncio.run(_post_many(server[0], bodies))
    assert [r.status_code for r in responses] == [200] * 200
    assert all(r.json()["rewards"] == [1.0, 0.0] for r in responses)
    assert all(r.json()["extra_logs"]["proctor_gold"] == [1.0, 0.0] for r in responses)


def test_a_killed_worker_is_replaced_and_no_request_is_lost(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proc = server
    before = _zygotes(proc.pid)
    assert before, "no sandbox worker found under the server process"
    bodies, _ = _bodies(200)
    responses, answered = asyncio.run(
        _post_many(url, bodies, during=lambda: os.kill(before[0], signal.SIGKILL))
    )
    assert answered < len(bodies)  # the worker died mid-load
    assert [r.status_code for r in responses] == [200] * 200
    assert all(r.json()["rewards"] == [1.0, 0.0] for r in responses)
    after = _zygotes(proc.pid)
    assert before[0] not in after and len(after) == len(before)


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 400),
        (json.dumps({"query": ["q"], "labels": [7]}).encode(), 422),
        (json.dumps({"query": ["q"], "labels": ["no/such-task"]}).encode(), 422),
        (json.dumps({"query": ["q"] * 65, "labels": ["demo/running_max"] * 65}).encode(), 413),
        (b"[" * 200_000 + b"]" * 200_000, 400),
        (b" " * (2 << 20), 413),
    ],
)
def test_hostile_requests_get_4xx_and_the_server_lives(
    server: tuple[str, subprocess.Popen[bytes]], content: bytes, status: int
) -> None:
    url = server[0]
    response = httpx.post(
        f"{url}/get_reward",
        content=content,
        timeout=30,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == status and response.json()["detail"]
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200


def test_an_oversized_chunked_body_is_cut_off(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * (64 << 10)

    response = httpx.post(f"{server[0]}/get_reward", content=chunks(), timeout=30)
    assert response.status_code == 413


def test_wrong_method_is_405(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    assert httpx.get(f"{server[0]}/get_reward", timeout=5).status_code == 405
