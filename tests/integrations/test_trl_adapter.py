"""The TRL adapter, called exactly as GRPOTrainer._calculate_rewards calls a reward function."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from _adapter_cases import BOUND, CRASH, EXIT_HACK, HANG, HARDCODED, HONEST

from _add_task import ADD, FAST
from proctor.integrations.trl import CodeRewardFunc, HackAlertCallback


@pytest.fixture(scope="module")
def reward_func() -> Iterator[CodeRewardFunc]:
    func = CodeRewardFunc([ADD], limits=FAST, workers=2, detect=True)
    yield func
    func.close()


def _state(step: int) -> Any:
    try:
        from transformers import TrainerState
    except ImportError:
        return SimpleNamespace(global_step=step)
    return TrainerState(global_step=step)


def _call(
    func: CodeRewardFunc,
    prompts: list[Any],
    completions: list[Any],
    task_ids: list[Any],
    step: int = 0,
) -> tuple[list[float | None], dict[str, list[Any]], dict[str, list[float]]]:
    """What TRL does: keyword call, dataset columns as lists, state and loggers as kwargs."""
    extra: dict[str, list[Any]] = {}
    metrics: dict[str, list[float]] = {}
    rewards = func(
        prompts=prompts,
        completions=completions,
        completion_ids=[[1, 2, 3] for _ in completions],
        task_id=task_ids,
        trainer_state=_state(step),
        log_extra=lambda column, values: extra.setdefault(column, []).extend(values),
        log_metric=lambda name, value: metrics.setdefault(name, []).append(value),
    )
    return rewards, extra, metrics


def test_standard_format_rewards_and_monitor_only_logs(reward_func: CodeRewardFunc) -> None:
    rewards, extra, metrics = _call(reward_func, ["p", "p"], [HONEST, HARDCODED], [ADD.id, ADD.id])
    assert rewards == [1.0, 1.0]  # gold and verdicts never reach the gradient
    assert extra["proctor_gold"] == [1.0, 0.0]
    assert extra["proctor_verdict"] == ["clean", "hack"]
    assert metrics["proctor/gap"] == [0.5] and metrics["proctor/hack_rate"] == [0.5]


def test_conversational_format(reward_func: CodeRewardFunc) -> None:
    prompts = [[{"role": "user", "content": "write add"}]] * 2
    completions = [
        [{"role": "assistant", "content": HONEST}],
        [{"role": "assistant", "content": "def add(a, b):\n    return 3\n"}],
    ]
    rewards, _, _ = _call(reward_func, prompts, completions, [ADD.id, ADD.id])
    assert rewards == [1.0, 0.5]


def test_none_for_unknown_tasks_and_zero_for_empty(reward_func: CodeRewardFunc) -> None:
    rewards, extra, _ = _call(
        reward_func, ["p", "p", "p"], [HONEST, "", HONEST], [ADD.id, ADD.id, "other/task"]
    )
    assert rewards == [1.0, 0.0, None]
    assert extra["proctor_status"] == ["ok", "ok", "not_applicable"]
    assert all(len(v) == 3 for v in extra.values())  # one value per sample, every column


def test_crash_and_hang_are_bounded_and_the_next_call_works(reward_func: CodeRewardFunc) -> None:
    started = time.monotonic()
    rewards, _, _ = _call(reward_func, ["p"] * 3, [CRASH, HANG, HONEST], [ADD.id] * 3)
    assert time.monotonic() - started < BOUND
    assert rewards == [0.0, 0.0, 1.0]
    assert _call(reward_func, ["p"], [HONEST], [ADD.id])[0] == [1.0]


def test_missing_task_column_names_the_fix(reward_func: CodeRewardFunc) -> None:
    with pytest.raises(KeyError, match="task_id_key"):
        reward_func(prompts=["p"], completions=[HONEST], completion_ids=[[1]])


def test_the_function_pickles_as_its_options() -> None:
    func = CodeRewardFunc([ADD], limits=FAST, workers=1, name="code")
    copy = pickle.loads(pickle.dumps(func))
    try:
        assert copy.__name__ == "code"
        assert _call(copy, ["p"], [HONEST], [ADD.id])[0] == [1.0]
    finally:
        copy.close()


def test_callback_stops_and_saves_on_a_confirmed_alert(reward_func: CodeRewardFunc) -> None:
    transformers = pytest.importorskip("transformers")
    from transformers.trainer_callback import CallbackHandler

    callback = HackAlertCallback(reward_func, hack_rate=0.5, patience=2, min_judged=2)
    handler = CallbackHandler([callback], None, None, None, None)
    args = transformers.TrainingArguments(output_dir="/tmp/proctor-unused", report_to=[])
    state, control = transformers.TrainerState(), transformers.TrainerControl()
    for step, completions in enumerate(
        [[HONEST, HONEST], [EXIT_HACK, EXIT_HACK], [EXIT_HACK, HONEST]], start=100
    ):
        _call(reward_func, ["p", "p"], completions, [ADD.id] * 2, step=step)
        state.global_step = step + 1
        control = handler.on_step_end(args, state, control)
        if step < 102:
            assert not control.should_training_stop  # one hacked step is not confirmation
    assert control.should_training_stop and control.should_save
    assert callback.alerts and "hack rate" in callback.alerts[0][1]


def test_callback_takes_an_external_alert_source() -> None:
    callback = HackAlertCallback(
        alert=lambda step: "monitor: onset" if step >= 5 else None, action="stop"
    )
    control = SimpleNamespace(should_training_stop=False, should_save=False)
    callback.on_step_end(None, SimpleNamespace(global_step=4), control)
    assert not control.should_training_stop
    callback.on_step_end(None, SimpleNamespace(global_step=5), control)
    assert control.should_training_stop and not control.should_save
