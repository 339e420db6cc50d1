"""The OpenRLHF reward_func file, called as SingleTurnAgentExecutor calls it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _adapter_cases import BOUND, HANG, HARDCODED, HONEST

from _add_task import ADD, FAST
from proctor.integrations.openrlhf import EXTRA_LOGS, completion_from_query, make_reward_func

PROMPT = "<|im_start|>user\nWrite add.<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def reward_func() -> Iterator[Callable[..., dict[str, Any]]]:
    func = make_reward_func([ADD], limits=FAST, workers=2)
    yield func
    func.close()  # type: ignore[attr-defined]


def _as_openrlhf(
    func: Callable[..., dict[str, Any]], queries: list[str], prompts: list[str], labels: list[str]
) -> list[dict[str, Any]]:
    """_fetch_rewards_via_func: batches of one, positional lists, in threads, gathered."""

    async def run() -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(
                *[
                    asyncio.to_thread(
                        func, queries[i : i + 1], prompts[i : i + 1], labels[i : i + 1]
                    )
                    for i in range(len(queries))
                ]
            )
        )

    return asyncio.run(run())


def test_rewards_scores_and_extra_logs(reward_func: Callable[..., dict[str, Any]]) -> None:
    out = _as_openrlhf(
        reward_func,
        [PROMPT + HONEST + "<|im_end|>", PROMPT + HARDCODED],
        [PROMPT, PROMPT],
        [ADD.id, ADD.id],
    )
    assert [list(o["rewards"]) for o in out] == [[1.0], [1.0]]
    assert [list(o["scores"]) for o in out] == [[1.0], [1.0]]
    assert [list(o["extra_logs"]["proctor_gold"]) for o in out] == [[1.0], [0.0]]


def test_empty_completion_and_hang(reward_func: Callable[..., dict[str, Any]]) -> None:
    started = time.monotonic()
    out = _as_openrlhf(
        reward_func, [PROMPT, PROMPT + HANG, PROMPT + HONEST], [PROMPT] * 3, [ADD.id] * 3
    )
    assert time.monotonic() - started < BOUND
    assert [list(o["rewards"]) for o in out] == [[0.0], [0.0], [1.0]]


def test_unknown_label_is_flagged_and_logged_not_raised(
    reward_func: Callable[..., dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    # OpenRLHF swallows a reward_func exception (INFO log) and the step fails later
    # on a None reward: the label error is logged at ERROR and flagged instead.
    out = reward_func([PROMPT + HONEST], [PROMPT], ["answer text"])
    assert list(out["rewards"]) == [0.0]
    assert list(out["extra_logs"]["proctor_unknown_label"]) == [1.0]
    assert any(r.levelname == "ERROR" and "label_key" in r.getMessage() for r in caplog.records)


def test_unknown_label_raises_when_asked() -> None:
    func = make_reward_func([ADD], limits=FAST, unknown_label="raise")
    try:
        with pytest.raises(KeyError, match="label_key"):
            func([PROMPT + HONEST], [PROMPT], ["answer text"])
    finally:
        func.close()  # type: ignore[attr-defined]


def test_every_answer_has_every_extra_log_key(reward_func: Callable[..., dict[str, Any]]) -> None:
    # OpenRLHF merges single-sample infos key by key: a key missing once breaks the step.
    out = _as_openrlhf(
        reward_func,
        [PROMPT + HONEST, PROMPT, PROMPT + HONEST],
        [PROMPT] * 3,
        [ADD.id, ADD.id, "unknown"],
    )
    assert all(set(o["extra_logs"]) == set(EXTRA_LOGS) for o in out)


@pytest.mark.parametrize(
    ("query", "prompt", "expected"),
    [
        ("PROMPTdef f(): pass<|im_end|>", "PROMPT", "def f(): pass"),
        ("def f(): pass</s>", "not in the query", "def f(): pass"),
        (
            "PROMPT```python\nx = 1\n```\n<|endoftext|><|endoftext|>",
            "PROMPT",
            "```python\nx = 1\n```",
        ),
    ],
)
def test_completion_is_cut_out_of_the_query(query: str, prompt: str, expected: str) -> None:
    assert completion_from_query(query, prompt) == expected
