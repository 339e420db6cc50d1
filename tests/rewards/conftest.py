"""One warm `CodeReward` for the reward tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from _add_task import ADD, FAST
from proctor.rewards import CodeReward


@pytest.fixture(scope="session")
def code_reward() -> Iterator[CodeReward]:
    with CodeReward([ADD], workers=2, limits=FAST) as reward:
        yield reward
