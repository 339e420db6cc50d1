"""The HTTP reward server: OpenRLHF's ``POST /get_reward`` on a `CodeReward`; ``GET /health``."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

# module level, not under TYPE_CHECKING: FastAPI reads the handlers' annotations at run time
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from proctor.integrations.openrlhf import completion_from_query, rewards_payload
from proctor.rewards import CodeReward, RewardResult
from proctor.serve._protocol import RequestError, RewardRequest, ServeLimits, parse_request

log = logging.getLogger(__name__)


class _Admission:
    """Counts requests in the server; refuses new ones past ``limit`` (no unbounded queue)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count = limit, 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise RequestError(413, f"the body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _score(reward: CodeReward, request: RewardRequest) -> list[RewardResult]:
    prompts: list[str | None] = (list(request.prompts) if request.prompts is not None
                                 else [None] * len(request.query))
    completions = [completion_from_query(q, p) for q, p in zip(request.query, prompts,
                                                                strict=True)]
    return reward.score_batch(completions, request.labels,
                              prompts=request.prompts if request.prompts is not None else None)


def create_app(reward: CodeReward, limits: ServeLimits | None = None,
               threads: int | None = None) -> FastAPI:
    """The FastAPI app serving ``reward``. Grading runs on a bounded thread pool (never on
    the event loop); the sandbox pool bounds how much runs at once and replaces dead workers.
    """
    limits = limits or ServeLimits()
    executor = ThreadPoolExecutor(max_workers=threads or max(4, 2 * reward.workers),
                                  thread_name_prefix="proctor-grade")
    admission = _Admission(limits.max_pending)
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="proctor reward server", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    app.state.reward, app.state.executor, app.state.admission = reward, executor, admission

    def refuse(status: int, message: str, **headers: str) -> JSONResponse:
        # Logged: OpenRLHF's client retries a refusal, then swallows it at INFO level,
        # so the server's log is where the cause shows up.
        log.warning("refused with %d: %s", status, message[:300])
        return JSONResponse({"detail": message}, status_code=status, headers=headers or None)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "tasks": len(reward.tasks), "workers": reward.workers,
                "mode": reward.mode, "gate": reward.gate, "in_flight": admission.count,
                "sandbox": reward.grader.mechanisms}

    @app.post("/get_reward")
    async def get_reward(request: Request) -> JSONResponse:
        if not admission.enter():
            return refuse(503, f"{limits.max_pending} requests already in progress; retry",
                          **{"Retry-After": "1"})
        try:
            try:
                body = await _read_body(request, limits.max_body_bytes)
                parsed = parse_request(body, limits, reward.tasks)
            except RequestError as exc:
                return refuse(exc.status, exc.message)
            loop = asyncio.get_running_loop()
            try:
                results = await loop.run_in_executor(executor, _score, reward, parsed)
            except Exception as exc:  # a bug or a broken sandbox: say so, let the client retry
                log.exception("grading failed")
                return refuse(503, f"grading failed: {type(exc).__name__}: {exc}"[:500],
                              **{"Retry-After": "1"})
            failed = [r for r in results if r.status == "infra_error"]
            if failed:
                # no fake score: the trainer's client retries (OpenRLHF tries 5 times)
                return refuse(503, f"the grader failed on {len(failed)} sample(s): "
                                   f"{failed[0].error}"[:500], **{"Retry-After": "1"})
            payload = rewards_payload(results)
            payload["proctor"] = [r.model_dump(exclude={"rollout_id"}) for r in results]
            return JSONResponse(payload)
        finally:
            admission.leave()

    return app


__all__ = ["create_app"]
