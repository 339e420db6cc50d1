"""Synthetic runs for the monitor's tests: hand-built records with a known onset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from proctor.records import Grade, Rollout, Verdict
from proctor.records._verdict import DetectorSpec


def verdict(rollout_id: str, label: str, category: str | None = None) -> Verdict:
    """An ensemble verdict."""
    return Verdict(
        rollout_id=rollout_id,
        detector="ensemble",
        spec=DetectorSpec(name="ensemble"),
        label=label,  # type: ignore[arg-type]
        category=category,
        confidence=0.9 if label == "hack" else 0.1,
    )


def synthetic_run(
    onset: int | None,
    steps: int = 30,
    n: int = 16,
    seed: int = 0,
    peak: float = 0.8,
    ramp: float = 0.15,
    base: float = 0.0,
) -> tuple[list[Rollout], list[Grade], list[Verdict]]:
    """A run whose hack rate is ``base`` before ``onset`` and ramps to ``peak`` after it.

    Hacks earn proxy 1 and gold 0; honest rollouts earn proxy = gold ~ Bernoulli(0.5).
    """
    rng = np.random.default_rng(seed)
    rollouts, grades, verdicts = [], [], []
    for step in range(steps):
        p = base if onset is None or step < onset else min(peak, base + ramp * (step - onset + 1))
        for j in range(n):
            rid = f"s{step}-{j}"
            hack = bool(rng.random() < p)
            honest = float(rng.random() < 0.5)
            reward = 1.0 if hack else honest
            rollouts.append(
                Rollout(
                    id=rid,
                    task_id=f"t{j % 4}",
                    step=step,
                    group=f"s{step}/t{j % 4}",
                    code=f"return {j}" if hack else f"def f():\n    return {j}",
                    reward=reward,
                )
            )
            grades.append(
                Grade(
                    rollout_id=rid,
                    task_id=f"t{j % 4}",
                    grader="hardened",
                    proxy=reward,
                    gold=0.0 if hack else honest,
                )
            )
            verdicts.append(
                verdict(rid, "hack" if hack else "clean", "special_casing" if hack else None)
            )
    return rollouts, grades, verdicts


@pytest.fixture(scope="session")
def make_run() -> Callable[..., Any]:
    """`synthetic_run`."""
    return synthetic_run


@pytest.fixture()
def make_verdict() -> Callable[..., Verdict]:
    """`verdict`."""
    return verdict
