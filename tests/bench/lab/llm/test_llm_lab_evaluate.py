"""The starting evaluation samples the same completions whatever ran before it."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("tokenizers")

from _tiny_lm import lab_demo_lm
from proctor.bench.lab.llm import LLMLabConfig, all_tasks, split
from proctor.bench.lab.llm._recipe import evaluate


class _Recorder:
    """A reward that records what it was asked to grade and pays nothing."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def grade(self, ids: Sequence[str], texts: Sequence[str]) -> tuple[list[Any], list[Any]]:
        self.seen.append(list(texts))
        return [SimpleNamespace(proxy=0.0)] * len(texts), [SimpleNamespace(gold=0.0)] * len(texts)


def test_a_run_and_its_twin_sample_the_same_start_whatever_the_random_state() -> None:
    import torch

    model, tokenizer = lab_demo_lm(40, 300, layers=1)
    _, rl = split(all_tasks(0), seed=0)
    config = LLMLabConfig(eval_samples=6, max_completion_length=12, temperature=1.0)
    reward = _Recorder()
    torch.manual_seed(1)  # e.g. a run that trained its SFTs in this process
    evaluate(config, model, tokenizer, rl, reward)  # type: ignore[arg-type]
    torch.manual_seed(2)  # e.g. its twin, which loaded them from the cache
    torch.rand(1000)
    evaluate(config, model, tokenizer, rl, reward)  # type: ignore[arg-type]
    first, second = reward.seen
    assert len(first) == 6
    assert first == second
