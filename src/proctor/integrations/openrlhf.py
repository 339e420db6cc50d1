"""OpenRLHF adapter: a ``reward_func(queries, prompts, labels)`` file and the remote-RM protocol.

Tested against OpenRLHF 0.11.2 through its own ``SingleTurnAgentExecutor``
(``openrlhf/utils/agent.py``; ``tests/integrations/test_trainer_openrlhf.py``):

- a ``--reward.remote_url`` (``--remote_rm_url`` before the dotted options) ending in
  ``.py`` is imported and its ``reward_func`` called as
  ``reward_func([query], [prompt], [label])``: **one sample per call**, each in a
  thread (``asyncio.to_thread``) as soon as vLLM finishes it; it returns a dict with
  ``rewards`` (advantages), ``scores`` (dynamic filtering, 0..1) and ``extra_logs``
  (per-sample ``info``), tensors or lists;
- otherwise the URL is POSTed ``{"query": [...], "prompts": [...], "labels": [...]}``
  (one sample, retried 5 times on any error) and the JSON answer is read the same
  way (``proctor serve rewards`` answers it);
- an exception is caught and logged at INFO; the sample is left without a reward and
  the step fails later. ``extra_logs`` keys are merged across samples with a length
  check: a key missing from one answer fails the step.

``queries[i]`` is the prompt plus the completion, decoded with special tokens;
``labels[i]`` is the dataset's ``--data.label_key`` column: here, the task id.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

from proctor.integrations._grouping import GroupPool
from proctor.rewards import CodeReward, RewardResult

log = logging.getLogger(__name__)

_TRAILING_SPECIAL = re.compile(r"(?:\s*(?:<\|[^|<>\s]{1,40}\|>|</s>|<eos>|<pad>))+\s*\Z")

InfraPolicy = Literal["score", "raise"]
"""What a grader failure gives in a ``reward_func`` file: ``score`` (``infra_score``,
flagged in ``extra_logs``) or ``raise`` (OpenRLHF then logs the error and the sample
has no reward)."""


def completion_from_query(query: str, prompt: str | None) -> str:
    """The completion part of ``query`` (prompt + completion), trailing special tokens removed."""
    text = query
    if prompt:
        at = query.find(prompt)
        if at >= 0:
            text = query[at + len(prompt) :]
    return _TRAILING_SPECIAL.sub("", text)


EXTRA_LOGS = (
    "proctor_proxy",
    "proctor_gold",
    "proctor_gold_known",
    "proctor_gap",
    "proctor_hack",
    "proctor_judged",
    "proctor_hack_probability",
    "proctor_gated",
    "proctor_infra_error",
    "proctor_unknown_label",
)
"""The ``extra_logs`` keys of every answer, always all of them.

OpenRLHF merges the ``info`` of single-sample experiences key by key and then
splits the batch again, checking each key has one value per sample: a key missing
from one answer crashes the step. So no key is ever left out; an unknown value is
0.0, and ``proctor_gold_known`` / ``proctor_judged`` (0 or 1) say which are real:
the mean gold of a batch is ``mean(proctor_gold) / mean(proctor_gold_known)``.
"""


def _extra(result: RewardResult) -> dict[str, float]:
    signals = result.signals()

    def value(name: str) -> float:
        return float(signals.get(name, 0.0))

    return {
        "proctor_proxy": value("proxy"),
        "proctor_gold": value("gold"),
        "proctor_gold_known": float("gold" in signals),
        "proctor_gap": value("gap"),
        "proctor_hack": value("hack"),
        "proctor_judged": float("hack" in signals),
        "proctor_hack_probability": value("hack_probability"),
        "proctor_gated": float(result.gated),
        "proctor_infra_error": float(result.status == "infra_error"),
        "proctor_unknown_label": float(result.status == "not_applicable"),
    }


def rewards_payload(results: Sequence[RewardResult], infra_score: float = 0.0) -> dict[str, Any]:
    """``rewards``, ``scores`` and ``extra_logs`` (monitor-only signals, per sample) as lists.

    ``extra_logs`` always has every key of `EXTRA_LOGS`, finite floats only (JSON has
    no NaN, and OpenRLHF needs the same keys from every call).
    """
    rewards = [infra_score if r.reward is None else float(r.reward) for r in results]
    rows = [_extra(r) for r in results]
    extra = {name: [row[name] for row in rows] for name in EXTRA_LOGS}
    return {
        "rewards": rewards,
        "scores": [min(1.0, max(0.0, r)) for r in rewards],
        "extra_logs": extra,
    }


LabelPolicy = Literal["score", "raise"]
"""What an unknown label gives: ``score`` (``infra_score`` with
``proctor_unknown_label = 1``, logged at ERROR) or ``raise`` (``KeyError``)."""


def make_reward_func(
    tasks: Any,
    *,
    infra: InfraPolicy = "score",
    infra_score: float = 0.0,
    unknown_label: LabelPolicy = "score",
    group_size: int | None = None,
    group_window: float = 2.0,
    **options: Any,
) -> Callable[..., dict[str, Any]]:
    """A ``reward_func(queries, prompts, labels, **kwargs)`` for OpenRLHF's ``.py`` remote URL.

    ``options`` are `CodeReward` options. The `CodeReward` is built on first call (in
    the process OpenRLHF calls from). Rewards are torch tensors when torch imports
    (OpenRLHF always has it), lists otherwise.

    OpenRLHF catches any exception from this function, logs it at INFO and leaves
    the sample without a reward, which fails the step later (``torch.cat`` of
    ``None``) far from the cause. So by default nothing raises: an unknown label
    (``--data.label_key`` not naming the task-id column) scores ``infra_score`` with
    ``proctor_unknown_label = 1`` and an ERROR log line naming the label;
    ``unknown_label="raise"`` / ``infra="raise"`` raise instead.

    ``group_size`` (e.g. ``--rollout.n_samples_per_prompt``): OpenRLHF calls once per
    sample, so one-sample calls are pooled by (label, prompt) for up to
    ``group_window`` seconds and each GRPO group is scored in one batch, as the
    group detector needs (`GroupPool`). Calls of several samples are scored as they
    come.

    Example (``reward_func.py``)::

        from proctor.integrations.openrlhf import make_reward_func
        reward_func = make_reward_func("tasks.jsonl", mode="fraction", detect=True)
    """
    holder: list[CodeReward] = []
    lock = threading.Lock()
    warned: set[str] = set()

    def code_reward() -> CodeReward:
        with lock:  # many threads call at once: build one grader, not one each
            if not holder:
                holder.append(CodeReward(tasks, **options))
            return holder[0]

    def score(
        completions: list[str], task_ids: list[str], prompts: list[str], group: str | None = None
    ) -> list[RewardResult]:
        reward = code_reward()
        unknown = sorted({t for t in task_ids if t not in reward.tasks})
        if unknown:
            message = (
                f"labels are not task ids of the loaded tasks: {unknown[:5]}; "
                "--data.label_key must name the dataset's task-id column"
            )
            if unknown_label == "raise":
                raise KeyError(message)
            if len(warned) < 100 and not warned.issuperset(unknown):
                warned.update(unknown)
                log.error("proctor reward_func: %s (scored %s)", message, infra_score)
        results = reward.score_batch(
            completions,
            task_ids,
            prompts=prompts,
            groups=None if group is None else [group] * len(task_ids),
        )
        failed = [r for r in results if r.status == "infra_error"]
        if failed and infra == "raise":
            raise RuntimeError(f"grading failed for {len(failed)} sample(s): {failed[0].error}")
        return results

    pool: GroupPool[tuple[str, str, str], RewardResult] | None = None
    if group_size is not None:
        pool = GroupPool(
            lambda samples, group: score(
                [s[0] for s in samples], [s[1] for s in samples], [s[2] for s in samples], group
            ),
            group_size=group_size,
            window=group_window,
        )

    def reward_func(
        queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
    ) -> dict[str, Any]:
        if not len(queries) == len(prompts) == len(labels):
            raise ValueError(
                f"{len(queries)} queries, {len(prompts)} prompts, "
                f"{len(labels)} labels: they must match"
            )
        task_ids = [str(label) for label in labels]
        completions = [completion_from_query(q, p) for q, p in zip(queries, prompts, strict=True)]
        if pool is not None and len(queries) == 1:
            results = [
                pool.submit((task_ids[0], prompts[0]), (completions[0], task_ids[0], prompts[0]))
            ]
        else:
            results = score(completions, task_ids, list(prompts))
        return _as_tensors(rewards_payload(results, infra_score))

    def close() -> None:
        while holder:
            holder.pop().close()

    reward_func.close = close  # type: ignore[attr-defined]
    reward_func.pool = pool  # type: ignore[attr-defined]
    return reward_func


def _as_tensors(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        import torch  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return payload
    return {
        "rewards": torch.tensor(payload["rewards"], dtype=torch.float),
        "scores": torch.tensor(payload["scores"], dtype=torch.float),
        "extra_logs": {
            k: torch.tensor(v, dtype=torch.float) for k, v in payload["extra_logs"].items()
        },
    }


__all__ = [
    "EXTRA_LOGS",
    "InfraPolicy",
    "LabelPolicy",
    "completion_from_query",
    "make_reward_func",
    "rewards_payload",
]
