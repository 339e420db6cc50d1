"""scan's summary.json names the tests dropped because the reference fails them."""

from __future__ import annotations

from proctor.judge import batch_summary
from proctor.records import Grade


def test_summary_lists_tests_the_reference_fails() -> None:
    dropped = Grade(
        rollout_id="r1",
        task_id="HumanEval/32",
        grader="hardened",
        proxy=1.0,
        gold=1.0,
        excluded=2,
        warnings=["2 test(s) dropped ... (heldout/219)"],
    )
    clean = Grade(rollout_id="r2", task_id="HumanEval/0", grader="hardened", proxy=1.0)
    summary = batch_summary([], [dropped, clean], 1.0)
    assert summary["dropped_tests"] == {"HumanEval/32": ["2 test(s) dropped ... (heldout/219)"]}
