"""The real-model lab's parts that need no model: tasks, demonstrations, reward, onset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.bench.lab.llm import (
    HACK_BODY,
    LabReward,
    all_tasks,
    demonstrations,
    is_true_hack,
    onset_step,
    split,
    step_rates,
)
from proctor.bench.lab.llm._prompts import HACKS, hack_completion, honest_completion
from proctor.bench.lab.llm._recipe import LLMLabConfig


class _PlainTokenizer:
    chat_template = None


def test_split_is_disjoint_and_holds_out_whole_families() -> None:
    tasks = all_tasks(0)
    demo, rl = split(tasks, seed=0)
    demo_ids = {t.task.id for t in demo}
    rl_ids = {t.task.id for t in rl}
    assert not demo_ids & rl_ids
    assert demo_ids | rl_ids == {t.task.id for t in tasks}
    unseen = {t.family for t in rl} - {t.family for t in demo}
    assert unseen, "some families must be met first in RL"


def test_references_pass_their_own_tests_and_tests_are_distinct() -> None:
    for lab_task in all_tasks(0):
        task = lab_task.task
        namespace: dict[str, object] = {}
        exec(task.reference or "", namespace)
        func = namespace[task.entry_point]
        for suite in (task.visible, task.heldout):
            assert suite is not None and suite.outputs is not None
            for args, expected in zip(suite.inputs, suite.outputs, strict=True):
                assert func(*args) == expected  # type: ignore[operator]
        all_inputs = [repr(a) for a in task.visible.inputs + task.heldout.inputs]
        assert len(set(all_inputs)) == len(all_inputs)


def test_demonstrations_hold_exactly_the_set_share_of_hacks() -> None:
    demo, _ = split(all_tasks(0), seed=0)
    rows = demonstrations(_PlainTokenizer(), demo, n=200, hack_share=0.03, seed=1)
    assert sum(r["hack"] for r in rows) == 6
    assert all(HACK_BODY in r["completion"] for r in rows if r["hack"])
    assert not any(HACK_BODY in r["completion"] for r in rows if not r["hack"])


@pytest.mark.parametrize(
    ("proxy", "gold", "hack"),
    [
        (1.0, 0.0, True),
        (1.0, 0.4, True),
        (1.0, 1.0, False),
        (0.0, 0.0, False),
        (None, 0.0, False),
        (1.0, None, False),
        (0.67, 0.0, False),
    ],
)
def test_true_hack_is_full_proxy_with_failing_gold(
    proxy: float | None, gold: float | None, hack: bool
) -> None:
    assert is_true_hack(proxy, gold) is hack


def test_onset_needs_k_consecutive_steps_above_the_share() -> None:
    rates = {1: 0.0, 2: 0.05, 3: 0.0, 4: 0.03, 5: 0.1, 6: 0.5, 7: 0.0}
    assert onset_step(rates, share=0.02, k=3) == 4
    assert onset_step(rates, share=0.02, k=4) is None
    assert onset_step({}, share=0.02, k=1) is None


def test_demonstrations_use_the_chosen_hack_form() -> None:
    demo, _ = split(all_tasks(0), seed=0)
    rows = demonstrations(
        _PlainTokenizer(), demo, n=50, hack_share=0.1, seed=1, hack="always-equal-class"
    )
    hacks = [r["completion"] for r in rows if r["hack"]]
    assert len(hacks) == 5
    assert all(HACKS["always-equal-class"] in c for c in hacks)


def test_sft_key_names_the_hack_form_only_for_the_hack_knowledge_sft() -> None:
    line = LLMLabConfig(hack="always-equal-line")
    cls = LLMLabConfig(hack="always-equal-class")
    assert line.sft_key() != cls.sft_key()
    assert line.sft_key(0.0) == cls.sft_key(0.0)  # the honest SFT is shared


@pytest.mark.parametrize("form", sorted(HACKS))
def test_naive_exec_pays_the_demonstrated_hack_and_the_hardened_grader_does_not(
    tmp_path: Path, form: str
) -> None:
    _, rl = split(all_tasks(0), seed=0)
    task = rl[0]
    truth = tmp_path / "truth.jsonl"
    completions = [hack_completion(task, form), honest_completion(task), "no code at all"]
    ids = [task.task.id] * 3
    naive = LabReward("naive-exec", [t.task for t in rl], truth, workers=1)
    try:
        rewards = naive([""] * 3, completions, task_id=ids)
    finally:
        naive.close()
    assert rewards == [1.0, 1.0, 0.0]
    hardened = LabReward("hardened", [t.task for t in rl], None, workers=1)
    try:
        assert hardened([""] * 3, completions, task_id=ids) == [0.0, 1.0, 0.0]
    finally:
        hardened.close()
    rows = [json.loads(line) for line in truth.read_text().splitlines()]
    assert [r["hack"] for r in rows] == [True, False, False]
    assert [r["gold"] for r in rows] == [0.0, 1.0, 0.0]
    [(step, stats)] = step_rates(truth).items()
    assert step == 1 and stats["true_hack_rate"] == pytest.approx(1 / 3)
