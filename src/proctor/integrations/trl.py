"""TRL adapter: a GRPOTrainer reward function and a callback that acts on hack alerts.

Checked against huggingface/trl at commit f2cd5771 (1.10.0.dev0),
``trl/trainer/grpo_trainer.py``, ``GRPOTrainer._calculate_rewards``, which calls a
custom reward function as::

    reward_func(prompts=prompts, completions=completions,
                completion_ids=completion_ids_list, **reward_kwargs)  -> list[float | None]

``reward_kwargs`` holds every dataset column except ``prompt``/``completion``/
``completion_ids`` (one value per sample), plus ``trainer_state``
(`transformers.TrainerState`), ``log_extra(column: str, values: list)`` (a column of
the completions table, one value per sample) and ``log_metric(name: str, value: float)``
(a scalar averaged over the logging step). A ``None`` reward becomes NaN and that
function is left out for that sample. Standard datasets pass ``prompts`` and
``completions`` as strings; conversational ones as message lists, the completion
being ``[{"role": "assistant", "content": ...}]``.

The callback follows ``transformers.TrainerCallback`` (checked against transformers
5.23.0): ``on_step_end(args, state, control, **kwargs)`` sets
``control.should_save`` / ``control.should_training_stop``.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from proctor.integrations._monitor_alert import monitor_alert
from proctor.monitor import Alert, MonitorConfig, OnlineMonitor
from proctor.records import Grade, Rollout, Verdict
from proctor.rewards import CodeReward, RewardResult

BatchListener = Callable[[list[Rollout], list[Grade], list[Verdict]], None]

log = logging.getLogger(__name__)
MAX_STEPS_KEPT = 1000


@dataclass
class StepStats:
    """Monitor-only aggregates of the rollouts scored at one training step."""

    step: int
    n: int = 0
    reward_sum: float = 0.0
    rewarded: int = 0
    gold_sum: float = 0.0
    gold_n: int = 0
    gap_sum: float = 0.0
    hacks: int = 0
    judged: int = 0
    infra_errors: int = 0

    def add(self, result: RewardResult) -> None:
        self.n += 1
        if result.reward is not None:
            self.reward_sum += result.reward
            self.rewarded += 1
        if result.gold is not None:
            self.gold_sum += result.gold
            self.gold_n += 1
            self.gap_sum += result.gap or 0.0
        if result.verdict is not None and result.verdict != "not_applicable":
            self.judged += 1
            self.hacks += result.verdict == "hack"
        self.infra_errors += result.status == "infra_error"

    @property
    def hack_rate(self) -> float | None:
        return self.hacks / self.judged if self.judged else None

    @property
    def gap(self) -> float | None:
        return self.gap_sum / self.gold_n if self.gold_n else None


def _text(item: Any) -> str | None:
    """The text of a standard completion (a string) or a conversational one (messages)."""
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, dict):
        content = item.get("content")
        if isinstance(content, list):  # content blocks: keep the text ones
            return "".join(b.get("text", "") for b in content if isinstance(b, dict))
        return content if isinstance(content, str) else None
    if isinstance(item, list):
        assistant = [m for m in item if isinstance(m, dict) and m.get("role") == "assistant"]
        return _text((assistant or item)[-1]) if item else ""
    return str(item)


class CodeRewardFunc:
    """A GRPOTrainer reward function backed by `CodeReward`.

    The task of each sample comes from the dataset column ``task_id_key``. The
    returned rewards are the visible-test scores; gold, verdicts and the gap go to
    ``log_extra`` / ``log_metric`` and to ``record_to`` only. The `CodeReward` is
    built on first call, so the function pickles (as its options) and each process
    builds its own sandbox pool.

    Example::

        reward = CodeRewardFunc("tasks.jsonl", detect=True, record_to="runs/grpo-1")
        trainer = GRPOTrainer(model=..., reward_funcs=[reward], train_dataset=dataset,
                              callbacks=[HackAlertCallback(reward)])
    """

    def __init__(
        self,
        tasks: Any = None,
        *,
        task_id_key: str = "task_id",
        name: str = "code_reward",
        reward: CodeReward | None = None,
        **options: Any,
    ) -> None:
        if tasks is None and reward is None:
            raise ValueError("pass the tasks (a task file or Task records) or a CodeReward")
        if name.startswith("proctor_"):
            raise ValueError(
                f"name {name!r}: proctor_* columns are monitor-only signals, and "
                "`proctor monitor ingest --from trl` never counts them as a reward"
            )
        self.__name__ = name  # TRL names the reward column after it
        self.task_id_key = task_id_key
        self._tasks, self._options = tasks, options
        self._reward = reward
        self._owns_reward = reward is None
        self.steps: OrderedDict[int, StepStats] = OrderedDict()
        self.listeners: list[BatchListener] = []
        """Called with each scored batch's records (rollouts, grades, ensemble verdicts)."""
        if reward is not None:
            reward.listeners.append(self._forward)

    @property
    def record_to(self) -> Any:
        """Where the reward records rollouts (``record_to=`` option), if anywhere."""
        return self._options.get("record_to")

    @property
    def reward(self) -> CodeReward:
        """The underlying `CodeReward` (built on first use)."""
        if self._reward is None:
            self._reward = CodeReward(self._tasks, **self._options)
            self._reward.listeners.append(self._forward)
        return self._reward

    def _forward(
        self, rollouts: list[Rollout], grades: list[Grade], verdicts: list[Verdict]
    ) -> None:
        for listener in self.listeners:
            listener(rollouts, grades, verdicts)

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        task_ids = kwargs.get(self.task_id_key)
        if task_ids is None:
            raise KeyError(
                f"the dataset has no {self.task_id_key!r} column: add one with each "
                f"row's task id, or pass task_id_key= naming the column that has it"
            )
        state = kwargs.get("trainer_state")
        step = getattr(state, "global_step", None)
        # TRL scores a batch before the optimizer step that trains on it, while
        # global_step still counts the steps done; its logs, completions_{step}.parquet
        # and on_step_end all number that step global_step + 1 (from 1). Use theirs.
        step = step + 1 if isinstance(step, int) and not isinstance(step, bool) else None
        texts = [_text(p) for p in prompts]
        results = self.reward.score_batch(
            [_text(c) for c in completions],
            [None if t is None else str(t) for t in task_ids],
            prompts=texts,
            step=step,
        )
        self._log(results, kwargs.get("log_extra"), kwargs.get("log_metric"), task_ids)
        self._remember(-1 if step is None else step, results)
        return [r.reward for r in results]

    def _log(
        self, results: list[RewardResult], log_extra: Any, log_metric: Any, task_ids: Sequence[Any]
    ) -> None:
        if callable(log_extra):
            # TRL's completions table keeps no dataset column: the task id rides along so
            # `proctor monitor ingest --from trl --task-key proctor_task_id` can map rows.
            log_extra("proctor_task_id", [None if t is None else str(t) for t in task_ids])
            log_extra("proctor_gold", [r.gold for r in results])
            log_extra("proctor_verdict", [r.verdict for r in results])
            log_extra("proctor_category", [r.category for r in results])
            log_extra("proctor_status", [r.status for r in results])
        if callable(log_metric):
            for name in ("gold", "gap", "hack", "infra_error"):
                values = [s[name] for r in results if name in (s := r.signals())]
                if values:
                    metric = "hack_rate" if name == "hack" else name
                    log_metric(f"proctor/{metric}", math.fsum(values) / len(values))

    def _remember(self, step: int, results: list[RewardResult]) -> None:
        stats = self.steps.get(step)
        if stats is None:
            stats = self.steps[step] = StepStats(step)
            while len(self.steps) > MAX_STEPS_KEPT:
                self.steps.popitem(last=False)
        for result in results:
            stats.add(result)

    def close(self) -> None:
        """Stop the grader (only when this function built it)."""
        if self._reward is not None and self._owns_reward:
            self._reward.close()
            self._reward = None

    def __getstate__(self) -> dict[str, Any]:
        if not self._owns_reward:
            raise TypeError(
                "a CodeRewardFunc made from a live CodeReward cannot be pickled; "
                "pass the tasks and options instead"
            )
        state = dict(self.__dict__)
        state["_reward"] = None
        state["listeners"] = []  # a callback lives in the trainer's process only
        return state


def _callback_base() -> type:
    try:
        from transformers import TrainerCallback
    except ImportError:  # duck-typed: the hooks a Trainer calls, each doing nothing
        return _NoTransformers
    base: type = TrainerCallback
    return base


class _NoTransformers:
    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("on_"):
            return lambda *args, **kwargs: None
        raise AttributeError(name)


Action = Literal["stop", "save", "save_and_stop"]


class HackAlertCallback(_callback_base()):  # type: ignore[misc]
    """Checkpoint and/or stop training when the run monitor raises a *hack* alert.

    The rules are the run monitor's (`proctor.monitor.MonitorConfig`, the same that
    ``proctor monitor report`` applies), evaluated step by step on the batches the
    reward function scores (`proctor.monitor.OnlineMonitor`), with the trainer's step
    numbers. ``hack_rate``, ``patience`` and ``min_judged`` override the hack-rate
    rule's threshold, consecutive steps and minimum judged rollouts. ``alert`` may add
    another source: a function of the step returning a reason or ``None``. An alert
    acts once, until no hack alert is open.

    Each action is also written to the run store (``record_to``, by default the
    reward function's) as an event, so ``proctor monitor report`` / ``audit`` show
    the stop as a hack alert at that step.
    """

    def __init__(
        self,
        reward_func: CodeRewardFunc | None = None,
        *,
        config: MonitorConfig | None = None,
        hack_rate: float | None = None,
        patience: int | None = None,
        min_judged: int | None = None,
        action: Action = "save_and_stop",
        alert: Callable[[int], str | None] | None = None,
        record_to: str | PathLike[str] | None = None,
    ) -> None:
        config = config or MonitorConfig()
        overrides = {
            k: v
            for k, v in (
                ("threshold", hack_rate),
                ("consecutive", patience),
                ("min_rollouts", min_judged),
            )
            if v is not None
        }
        if overrides:
            rule = config.hack_rate.model_copy(update=overrides)
            config = config.model_copy(update={"hack_rate": rule})
        self.reward_func = reward_func
        self.monitor = OnlineMonitor(config)
        if reward_func is not None:
            reward_func.listeners.append(self.monitor.add)
        if record_to is None and reward_func is not None:
            target = reward_func.record_to
            record_to = target if isinstance(target, str | PathLike) else None
        self.record_to = None if record_to is None else Path(record_to)
        self.action, self.alert = action, alert
        self.alerts: list[tuple[int, str]] = []
        """(step, reason) each time the callback acted."""
        self.raised: list[Alert] = []
        """Every monitor alert, as it opened (any severity), at the trainer's step."""
        self._active = False  # an alert acts once, until its condition clears

    def check(self, step: int) -> str | None:
        """The reason for an open hack alert as of ``step``, or ``None``."""
        if self.alert is not None and (reason := self.alert(step)):
            return reason
        if self.reward_func is None:
            return None
        self.raised.extend(self.monitor.check(step))
        open_hacks = self.monitor.open_alerts("hack")
        return "; ".join(a.message for a in open_hacks) or None

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        step = int(getattr(state, "global_step", 0))
        reason = self.check(step)
        if reason is None or self._active:
            self._active = reason is not None
            return control
        self._active = True
        self.alerts.append((step, reason))
        self._record(step, reason)
        if self.action in ("save", "save_and_stop"):
            control.should_save = True
        if self.action in ("stop", "save_and_stop"):
            control.should_training_stop = True
        return control

    def _record(self, step: int, reason: str) -> None:
        if self.record_to is None:
            return
        try:
            from proctor.runs import RunStore

            with RunStore(self.record_to) as store:
                store.add_event(
                    {
                        "step": step,
                        "action": self.action,
                        "reason": reason,
                        "source": "HackAlertCallback",
                    }
                )
        except Exception as exc:  # the stop itself must happen even if the store is gone
            log.warning("could not record the stop at step %d in %s: %s", step, self.record_to, exc)


__all__ = [
    "Action",
    "BatchListener",
    "CodeRewardFunc",
    "HackAlertCallback",
    "StepStats",
    "monitor_alert",
]
