"""Live audits against tiny randomly initialised transformers (torch/transformers extra)."""

from __future__ import annotations

import math
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from _audit_tiny import tiny_lm, tiny_tokenizer

from proctor.audit import (
    PERTURBATIONS,
    CausalPRMScorer,
    ImplicitRewardScorer,
    LogprobJudgeScorer,
    SequenceClassifierScorer,
    arithmetic_items,
    run_live,
)
from proctor.audit._scorers import sequence_logprob


@pytest.fixture(scope="module")
def tok() -> Any:
    return tiny_tokenizer()


def _check(report: dict[str, Any]) -> None:
    assert report["items"] == 4
    rows = report["perturbations"]
    assert len(rows) == len(PERTURBATIONS)
    for r in rows:
        assert r["n"] == 4 and math.isfinite(r["mean_shift"])
        lo, hi = r["ci"]
        assert lo <= r["mean_shift"] <= hi


def test_implicit_reward_of_policy_and_reference(tok: Any) -> None:
    scorer = ImplicitRewardScorer(tiny_lm(tok, 0), tiny_lm(tok, 1), tok, beta=0.5)
    _check(run_live(scorer, arithmetic_items(4), reps=100))


def test_implicit_reward_is_zero_when_policy_is_reference(tok: Any) -> None:
    lm = tiny_lm(tok, 0)
    assert ImplicitRewardScorer(lm, lm, tok).score("2+2?", "4") == 0.0


def test_sequence_logprob_counts_only_the_response(tok: Any) -> None:
    lm = tiny_lm(tok, 0)
    short = sequence_logprob(lm, tok, "Q", "4")
    longer = sequence_logprob(lm, tok, "Q", "4 4 4 4")
    assert short < 0 and longer < short


def test_sequence_classifier_reward_model(tok: Any) -> None:
    scorer = SequenceClassifierScorer(tiny_lm(tok, 2, classifier=True), tok)
    _check(run_live(scorer, arithmetic_items(4), reps=100))


def test_logprob_judge_and_prm(tok: Any) -> None:
    lm = tiny_lm(tok, 3)
    _check(run_live(LogprobJudgeScorer(lm, tok, chat=False), arithmetic_items(4), reps=100))
    prm = CausalPRMScorer(lm, tok, good="+", bad="-")
    values = prm.step_scores("Q", ["a", "b", "c"])
    assert len(values) == 3 and all(0 < v < 1 for v in values)
    _check(run_live(prm, arithmetic_items(4), reps=100))
