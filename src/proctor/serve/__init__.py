"""The HTTP reward server (OpenRLHF's remote reward protocol) on the hardened grader.

``POST /get_reward`` takes ``{"query": [...], "prompts": [...], "labels": [...]}``
(``labels[i]`` is the task id of sample ``i``, ``query[i]`` its prompt plus completion)
and answers ``{"rewards": [...], "scores": [...], "extra_logs": {...}, "proctor": [...]}``.
``GET /health`` says what is loaded. Start it with ``proctor serve rewards``; needs the
``serve`` extra (fastapi, uvicorn). See docs/trainers/openrlhf.md.
"""

from proctor.serve._app import create_app
from proctor.serve._protocol import (
    RequestError,
    RewardRequest,
    ServeLimits,
    default_queue_samples,
    parse_request,
)

__all__ = [
    "RequestError",
    "RewardRequest",
    "ServeLimits",
    "create_app",
    "default_queue_samples",
    "parse_request",
]
