"""Parsing OpenRLHF's remote reward request from hostile bytes: 4xx with a reason, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proctor.serve import RequestError, ServeLimits, default_queue_samples, parse_request

TASKS = {"t/add"}
LIMITS = ServeLimits(max_body_bytes=1 << 20, max_samples=4, max_query_chars=100)


def _refused(body: bytes) -> RequestError:
    with pytest.raises(RequestError) as info:
        parse_request(body, LIMITS, TASKS)
    return info.value


def test_a_valid_request_parses() -> None:
    body = json.dumps({"query": ["pq"], "prompts": ["p"], "labels": ["t/add"]}).encode()
    request = parse_request(body, LIMITS, TASKS)
    assert request.labels == ["t/add"] and request.prompts == ["p"]


def test_prompts_are_optional() -> None:
    body = json.dumps({"query": ["q"], "labels": ["t/add"]}).encode()
    assert parse_request(body, LIMITS, TASKS).prompts is None


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "not JSON"),
        (json.dumps({"query": ["q"], "labels": [1]}).encode(), 422, "labels[0]"),
        (json.dumps({"query": "q", "labels": ["t/add"]}).encode(), 422, "query"),
        (json.dumps({"labels": ["t/add"]}).encode(), 422, "query"),
        (
            json.dumps({"query": ["q", "q"], "labels": ["t/add"]}).encode(),
            422,
            "2 queries, 1 labels",
        ),
        (
            json.dumps({"query": ["q"], "labels": ["t/mul"]}).encode(),
            422,
            "no task with id 't/mul'",
        ),
        (json.dumps({"query": ["q"] * 5, "labels": ["t/add"] * 5}).encode(), 413, "limit is 4"),
        (json.dumps({"query": ["q" * 101], "labels": ["t/add"]}).encode(), 413, "query[0]"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(body: bytes, status: int, words: str) -> None:
    error = _refused(body)
    assert error.status == status and words in error.message


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["query", "prompts", "labels", "x"]), inner, max_size=3
            )
        ),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode())
)
def test_any_body_parses_or_is_refused_with_4xx(body: bytes) -> None:
    try:
        parse_request(body, LIMITS, TASKS)
    except RequestError as exc:
        assert 400 <= exc.status < 500


@given(st.integers(1, 4096), st.integers(1, 64))
def test_the_default_queue_fits_the_largest_request_and_32_per_worker(
    max_samples: int, workers: int
) -> None:
    queue = default_queue_samples(max_samples, workers)
    assert queue >= max_samples  # the largest request can always be admitted
    assert queue == max(max_samples, 32 * workers)  # no more room than that
