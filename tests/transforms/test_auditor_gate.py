"""The auditor gate: hard and soft gating by an auditor's score, composition, TRL signature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.transforms import (
    AuditorGate,
    Scorer,
    auditor_gate,
    hard_gate,
    par,
    soft_gate,
    soft_overlong,
)


class KeywordAuditor:
    """A fake probe: score 0.9 for completions that call ``sys.exit``, else 0.1."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[Any], list[Any]]] = []

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any]) -> list[float]:
        self.calls.append((list(prompts), list(completions)))
        return [0.9 if "sys.exit" in str(c) else 0.1 for c in completions]


def passes(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """A hackable reward: every completion passes."""
    return [1.0 for _ in completions]


PROMPTS = ["add two numbers", "add two numbers", "reverse a list"]
COMPLETIONS = ["return a + b", "import sys; sys.exit(0)", "return xs[::-1]"]


def test_hard_gate_sends_flagged_rewards_to_the_floor() -> None:
    out = auditor_gate([1.0, 1.0, 0.3], [0.9, 0.2, 0.5], threshold=0.5, floor=-1.0)
    assert out.tolist() == [-1.0, 1.0, -1.0]


def test_soft_gate_moves_reward_toward_the_floor_in_proportion_to_the_score() -> None:
    out = auditor_gate([1.0, -0.5, 2.0], [0.25, 0.5, 1.0], mode="soft", floor=-1.0)
    # floor + (r − floor)(1 − s)
    assert np.allclose(out, [-1 + 2 * 0.75, -1 + 0.5 * 0.5, -1.0])


def test_with_floor_zero_the_gates_equal_the_detector_gates() -> None:
    r, s = [1.0, 0.4, 2.0], [0.7, 0.2, 0.5]
    assert auditor_gate(r, s).tolist() == hard_gate(r, s).tolist()
    assert np.allclose(auditor_gate(r, s, mode="soft"), soft_gate(r, s))


def test_nan_rewards_pass_and_missing_scores_gate_nothing() -> None:
    for mode in ("hard", "soft"):
        out = auditor_gate([np.nan, 1.0], [0.9, np.nan], mode=mode, floor=-1.0)  # type: ignore[arg-type]
        assert np.isnan(out[0]) and out[1] == 1.0


def test_scores_outside_the_unit_interval_are_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\].*sigmoid"):
        auditor_gate([1.0], [2.5])
    with pytest.raises(ValueError, match="mode"):
        auditor_gate([1.0], [0.5], mode="medium")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rows"):
        auditor_gate([1.0, 1.0], [0.5])


@given(
    st.lists(
        st.tuples(st.floats(-5, 5), st.floats(0, 1)),
        min_size=1,
        max_size=20,
    ),
    st.floats(-5, 0),
)
def test_soft_gate_stays_between_floor_and_reward(
    rows: list[tuple[float, float]], floor: float
) -> None:
    r, s = map(np.array, zip(*rows, strict=True))
    r = np.maximum(r, floor)  # rewards at or above the floor (the documented use)
    out = auditor_gate(r, s, mode="soft", floor=floor)
    assert np.all(out >= floor - 1e-9) and np.all(out <= r + 1e-9)


def test_composes_with_other_transforms_by_nesting() -> None:
    rewards = np.array([0.2, 0.9, 0.95])
    reference = np.array([0.5, 0.5, 0.5])
    scores = np.array([0.0, 0.8, 0.1])
    lengths = np.array([100, 100, 4000])
    shaped = par(rewards, reference, scale=4.0)
    out = soft_overlong(auditor_gate(shaped, scores), lengths, 4096, 512)
    # the flagged rollout is gated to 0; the others keep PAR's value less the length penalty
    assert out[1] == 0.0
    assert out[0] == pytest.approx(shaped[0])
    assert out[2] < shaped[2]
    # and the gate applied after a detector gate removes both kinds of hack
    both = auditor_gate(hard_gate(rewards, [0.9, 0.0, 0.0]), scores)
    assert both.tolist() == [0.0, 0.0, 0.95]


def test_wraps_a_trl_reward_function_and_gates_what_the_auditor_flags() -> None:
    auditor = KeywordAuditor()
    gate = AuditorGate(passes, auditor, floor=0.0)
    assert isinstance(auditor, Scorer)
    logged: dict[str, list[float]] = {}
    out = gate(
        prompts=PROMPTS,
        completions=COMPLETIONS,
        completion_ids=[[1], [2], [3]],
        log_extra=lambda column, values: logged.__setitem__(column, values),
    )
    assert out == [1.0, 0.0, 1.0]
    assert gate.__name__ == "passes_audited"
    assert logged == {"proctor_auditor_score": [0.1, 0.9, 0.1]}
    assert auditor.calls == [(PROMPTS, COMPLETIONS)]


def test_an_observing_gate_pays_the_reward_as_it_is_and_logs_the_scores() -> None:
    assert auditor_gate([1.0, 0.5], [0.9, 0.1], mode="observe").tolist() == [1.0, 0.5]
    logged: dict[str, list[float]] = {}
    gate = AuditorGate(passes, KeywordAuditor(), mode="observe")
    out = gate(
        prompts=PROMPTS,
        completions=COMPLETIONS,
        log_extra=lambda column, values: logged.__setitem__(column, values),
    )
    assert out == passes(prompts=PROMPTS, completions=COMPLETIONS)
    assert gate.__name__ == "passes"  # it pays what the wrapped function pays
    assert logged == {"proctor_auditor_score": [0.1, 0.9, 0.1]}


def test_chat_completions_reach_the_scorer_as_text_and_none_rewards_stay_none() -> None:
    def sometimes(
        prompts: Sequence[Any], completions: Sequence[Any], **kw: Any
    ) -> list[float | None]:
        return [None, 1.0]

    auditor = KeywordAuditor()
    chat = [
        [{"role": "assistant", "content": "sys.exit(0)"}],
        [{"role": "assistant", "content": "ok"}],
    ]
    prompts = [[{"role": "user", "content": "p"}]] * 2
    out = AuditorGate(sometimes, auditor, mode="soft")(prompts=prompts, completions=chat)
    assert out[0] is None and out[1] == pytest.approx(0.9)
    assert auditor.calls[0] == (["p", "p"], ["sys.exit(0)", "ok"])


def test_gates_nest_and_each_auditor_applies() -> None:
    def judge(prompts: Sequence[Any], completions: Sequence[Any]) -> list[float]:
        return [1.0 if "xs" in c else 0.0 for c in completions]

    nested = AuditorGate(AuditorGate(passes, KeywordAuditor()), judge)
    assert nested(prompts=PROMPTS, completions=COMPLETIONS) == [1.0, 0.0, 0.0]


def test_a_scorer_that_returns_the_wrong_number_of_scores_is_named() -> None:
    gate = AuditorGate(passes, lambda prompts, completions: [0.5])
    with pytest.raises(ValueError, match="1 scores for 3 completions"):
        gate(prompts=PROMPTS, completions=COMPLETIONS)
