"""OpenRLHF's remote reward request, parsed from untrusted bytes with limits and clear errors."""

from __future__ import annotations

import json
from collections.abc import Container

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ServeLimits(BaseModel):
    """What one request may ask for; anything beyond is refused with a 4xx, before grading."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid", frozen=True)

    max_body_bytes: int = Field(default=32 << 20, ge=1024)
    """Largest request body (413 beyond)."""
    max_samples: int = Field(default=512, ge=1)
    """Most samples in one request (413 beyond)."""
    max_query_chars: int = Field(default=256_000, ge=1)
    """Longest query (prompt + completion) or prompt (413 beyond)."""
    max_queue_samples: int = Field(default=512, ge=1)
    """Samples admitted at once, graded or waiting, all requests together: a request that
    does not fit gets 503 with Retry-After at once (an admitted one waits at most for this
    many samples ahead of it). At least ``max_samples``."""
    read_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to send its whole body (408 beyond); no queue slot is held
    while a body arrives."""
    max_reading: int = Field(default=256, ge=1)
    """Bodies being received at once (503 beyond): bounds the memory half-sent bodies hold."""


QUEUE_SAMPLES_PER_WORKER = 32
"""Default queue room per grading thread (see `default_queue_samples`)."""


def default_queue_samples(max_samples: int, workers: int) -> int:
    """The queue bound when none is given: the larger of ``max_samples`` (the largest
    request must fit) and 32 samples per worker. An admitted sample then waits for at
    most ~32 others per grading thread, so under overload its latency stays near what
    it is at modest load; a bigger queue only adds waiting (each thread needs one
    sample ready, not dozens, to stay busy)."""
    return max(max_samples, QUEUE_SAMPLES_PER_WORKER * workers)


class RewardRequest(BaseModel):
    """``POST /get_reward``: ``query[i]`` is prompt + completion, ``labels[i]`` its task id."""

    model_config = ConfigDict(extra="ignore", strict=True)

    query: list[str]
    """Prompt plus completion, one per sample."""
    prompts: list[str] | None = None
    """The prompts alone (used to cut the completion out of the query)."""
    labels: list[str]
    """Task id of each sample."""


class RequestError(Exception):
    """A request the server refuses: ``status`` is the HTTP code, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_request(body: bytes, limits: ServeLimits, tasks: Container[str]) -> RewardRequest:
    """Parse and check one request body, or raise `RequestError` with a 4xx."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise RequestError(400, f"the body is not JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise RequestError(
            400,
            'the body must be a JSON object: {"query": [...], "prompts": [...], "labels": [...]}',
        )
    try:
        request = RewardRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise RequestError(
            422, f"{where.lstrip('.')}: {first['msg']} ({exc.error_count()} problem(s) in all)"
        ) from None
    n = len(request.query)
    if len(request.labels) != n or (request.prompts is not None and len(request.prompts) != n):
        got = f"{n} queries, {len(request.labels)} labels"
        if request.prompts is not None:
            got += f", {len(request.prompts)} prompts"
        raise RequestError(
            422, f"query, prompts and labels must have one entry per sample; got {got}"
        )
    if n > limits.max_samples:
        raise RequestError(413, f"{n} samples in one request; the limit is {limits.max_samples}")
    for field, values in (("query", request.query), ("prompts", request.prompts or [])):
        for i, text in enumerate(values):
            if len(text) > limits.max_query_chars:
                raise RequestError(
                    413,
                    f"{field}[{i}] has {len(text)} characters; the limit is "
                    f"{limits.max_query_chars}",
                )
    for i, label in enumerate(request.labels):
        if label not in tasks:
            raise RequestError(
                422,
                f"labels[{i}]: no task with id {label[:200]!r} on this "
                "server; labels must be the task ids of the served task file",
            )
    return request


__all__ = ["RequestError", "RewardRequest", "ServeLimits", "parse_request"]
