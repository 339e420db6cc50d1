"""The HTTP reward server: OpenRLHF's ``POST /get_reward`` on a `CodeReward`; ``GET /health``,
``GET /metrics``.

Fairness under overload: a body is received (with a deadline) before anything is
reserved, then the request's samples are admitted whole into a queue bounded in
samples, or refused at once with 503 and ``Retry-After``. Samples of a client that
hung up are dropped from the queue.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

# module level, not under TYPE_CHECKING: FastAPI reads the handlers' annotations at run time
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.requests import ClientDisconnect

from proctor.integrations.openrlhf import completion_from_query, rewards_payload
from proctor.records import Grade, Rollout, Task
from proctor.rewards import CodeReward
from proctor.serve._metrics import Metrics
from proctor.serve._protocol import RequestError, RewardRequest, ServeLimits, parse_request
from proctor.serve._queue import SampleQueue

log = logging.getLogger(__name__)


class _Readers:
    """Counts bodies being received; refuses past ``limit``."""

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


class _FullQueueLog:
    """Logs refusals for a full queue at most once per ``every_s`` seconds, with a count of
    those it left out: under overload there are hundreds a second, and a line each would
    flood the log and cost the event loop (the metrics count every one)."""

    def __init__(self, every_s: float = 10.0) -> None:
        self.every_s = every_s
        self._last = -float("inf")
        self._left_out = 0
        self._lock = threading.Lock()

    def refused(self, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.every_s:
                self._left_out += 1
                return
            left_out, self._left_out, self._last = self._left_out, 0, now
        more = f" ({left_out} more such refusals since the last line)" if left_out else ""
        log.warning("refused with 503: %s%s", message[:300], more)


def _full_message(queue: SampleQueue[Any, Any], asked: int | None = None) -> str:
    wanted = f", {asked} asked" if asked is not None else ""
    return f"the grading queue is full ({queue.depth} of {queue.capacity} samples{wanted}); retry"


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


async def _disconnected(request: Request) -> None:
    """Returns when the client hangs up (the body has been read: nothing else arrives)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


class _RefuseWhenFull:
    """Answers ``POST /get_reward`` with 503 while the queue is full, before routing, reading
    or parsing anything: under overload most requests are refused, and each refusal must
    cost the server (whose event loop shares the CPU with grading) as little as possible."""

    def __init__(
        self,
        app: Any,
        queue: SampleQueue[Any, Any],
        metrics: Metrics,
        token: bytes | None,
        full_log: _FullQueueLog,
    ) -> None:
        self.app, self.queue, self.metrics, self.token = app, queue, metrics, token
        self.full_log = full_log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        queue = self.queue
        if (
            scope["type"] == "http"
            and queue.depth >= queue.capacity
            and scope["path"] == "/get_reward"
            and scope["method"] == "POST"
            and self._authorised(scope)
        ):
            self.metrics.request(503)
            detail = _full_message(queue)
            self.full_log.refused(detail)
            body = json.dumps({"detail": detail}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(queue.retry_after()).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorised(self, scope: Any) -> bool:
        if self.token is None:
            return True
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, given = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(
                    given.strip(), self.token
                )
        return False  # the route answers 401


def create_app(
    reward: CodeReward,
    limits: ServeLimits | None = None,
    threads: int | None = None,
    token: str | None = None,
) -> FastAPI:
    """The FastAPI app serving ``reward``.

    Samples are graded on ``threads`` threads (default: the reward's workers, one per
    sandbox worker, so waiting happens in the bounded queue, not in the sandbox pool).
    With ``token``, ``/get_reward`` and ``/metrics`` need ``Authorization: Bearer <token>``.
    """
    limits = limits or ServeLimits()
    if limits.max_samples > limits.max_queue_samples:
        raise ValueError(
            f"max_samples ({limits.max_samples}) is over max_queue_samples "
            f"({limits.max_queue_samples}): such a request could never be admitted"
        )

    def grade(item: tuple[Task, Rollout]) -> Grade:
        return reward.grader.grade(*item)

    queue: SampleQueue[tuple[Task, Rollout], Grade] = SampleQueue(
        grade, threads or reward.workers, limits.max_queue_samples
    )
    # detection, gate and record after grading: short, but not on the event loop
    finisher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="proctor-finish")
    readers = _Readers(limits.max_reading)
    metrics = Metrics(
        {
            "proctor_queue_samples": (
                "gauge",
                "Samples admitted and not done (waiting or grading).",
                lambda: queue.depth,
            ),
            "proctor_queue_capacity_samples": (
                "gauge",
                "Most samples admitted at once.",
                lambda: queue.capacity,
            ),
            "proctor_bodies_reading": (
                "gauge",
                "Request bodies being received.",
                lambda: readers.count,
            ),
            "proctor_samples_started_total": (
                "counter",
                "Samples whose grading started.",
                lambda: queue.started,
            ),
            "proctor_samples_cancelled_total": (
                "counter",
                "Samples dropped unstarted: their client hung up.",
                lambda: queue.cancelled,
            ),
            "proctor_samples_interrupted_total": (
                "counter",
                "Samples stopped while grading: their client hung up (sandbox child killed).",
                lambda: queue.interrupted,
            ),
        }
    )
    expected_token = token.encode() if token else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        queue.close()
        finisher.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="proctor reward server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    full_log = _FullQueueLog()
    app.add_middleware(
        _RefuseWhenFull, queue=queue, metrics=metrics, token=expected_token, full_log=full_log
    )
    app.state.reward, app.state.queue, app.state.metrics = reward, queue, metrics

    def answer(
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        log_with: Callable[[str], None] | None = None,
    ) -> JSONResponse:
        metrics.request(status)
        # Logged: OpenRLHF's client retries a refusal, then swallows it at INFO level,
        # so the server's log is where the cause shows up (full-queue refusals, hundreds
        # a second under overload, through `log_with`: `_FullQueueLog.refused`).
        if log_with is None:
            log.warning("refused with %d: %s", status, message[:300])
        else:
            log_with(message)
        return JSONResponse({"detail": message}, status_code=status, headers=headers)

    def busy(
        message: str, extra: int = 0, log_with: Callable[[str], None] | None = None
    ) -> JSONResponse:
        return answer(503, message, {"Retry-After": str(queue.retry_after(extra))}, log_with)

    def authorised(request: Request) -> bool:
        if expected_token is None:
            return True
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), expected_token
        )

    def unauthorised() -> JSONResponse:
        return answer(
            401,
            "missing or wrong bearer token (Authorization: Bearer <token>)",
            {"WWW-Authenticate": "Bearer"},
        )

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "tasks": len(reward.tasks),
            "workers": reward.workers,
            "mode": reward.mode,
            "gate": reward.gate,
            "queue_samples": queue.depth,
            "queue_capacity": queue.capacity,
            "sandbox": reward.grader.mechanisms,
        }

    @app.get("/metrics")
    async def metrics_page(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        return PlainTextResponse(
            metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @app.post("/get_reward")
    async def get_reward(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        if not readers.enter():
            return busy(f"{limits.max_reading} request bodies already arriving; retry")
        try:
            async with asyncio.timeout(limits.read_timeout):
                body = await _read_body(request, limits.max_body_bytes)
            parsed = parse_request(body, limits, reward.tasks)
        except TimeoutError:
            return answer(
                408,
                f"the body did not arrive within {limits.read_timeout:g} s",
                {"Connection": "close"},
            )
        except RequestError as exc:
            return answer(exc.status, exc.message)
        except ClientDisconnect:  # the client left mid-body: nobody to answer, nothing to log
            log.debug("a client hung up while sending its body")
            metrics.request(499)
            return Response(status_code=499)
        finally:
            readers.leave()
        return await _grade(request, parsed)

    async def _grade(request: Request, parsed: RewardRequest) -> Response:
        queued = sum(label in reward.tasks for label in parsed.labels)
        if queue.depth + queued > queue.capacity:  # refused before any per-sample work
            return busy(_full_message(queue, queued), queued, full_log.refused)
        prompts: list[str | None] = (
            list(parsed.prompts) if parsed.prompts is not None else [None] * len(parsed.query)
        )
        completions = [
            completion_from_query(q, p) for q, p in zip(parsed.query, prompts, strict=True)
        ]
        rollouts = reward.rollouts(completions, parsed.labels, prompts=parsed.prompts)
        known = [r for r in rollouts if r.task_id in reward.tasks]
        job = queue.submit([(reward.tasks[r.task_id], r) for r in known])
        if job is None:  # filled up since the check above
            return busy(_full_message(queue), len(known), full_log.refused)
        admitted = time.perf_counter()
        graded: asyncio.Future[list[Grade]] = asyncio.gather(
            *(asyncio.wrap_future(f) for f in job.futures)
        )
        gone: asyncio.Future[None] = asyncio.ensure_future(_disconnected(request))
        try:
            watched: set[asyncio.Future[Any]] = {graded, gone}
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if not graded.done():
            dropped = job.cancel()
            graded.cancel()
            log.debug("a client hung up: %d unstarted sample(s) dropped, the rest stopped", dropped)
            metrics.request(499)
            return Response(status_code=499)
        try:
            grades = graded.result()
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(
                finisher, reward.results, rollouts, {g.rollout_id: g for g in grades}
            )
        except Exception as exc:  # a bug or a broken sandbox: say so, let the client retry
            log.exception("grading failed")
            return busy(f"grading failed: {type(exc).__name__}: {exc}"[:500])
        metrics.graded(time.perf_counter() - admitted, [r.status for r in results])
        failed = [r for r in results if r.status == "infra_error"]
        if failed:
            # no fake score: the trainer's client retries (OpenRLHF tries 5 times)
            return busy(f"the grader failed on {len(failed)} sample(s): {failed[0].error}"[:500])
        payload = rewards_payload(results)
        payload["proctor"] = [r.model_dump(exclude={"rollout_id"}) for r in results]
        metrics.request(200)
        return JSONResponse(payload)

    return app


__all__ = ["create_app"]
