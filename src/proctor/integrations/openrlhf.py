"""OpenRLHF adapter: a ``reward_func(queries, prompts, labels)`` file and the remote-RM protocol.

Checked against OpenRLHF/OpenRLHF at commit 3c3be623 (0.11.0),
``openrlhf/utils/agent.py`` ``SingleTurnAgentExecutor``:

- a ``--reward.remote_url`` (``--remote_rm_url`` before the dotted options) ending in
  ``.py`` is imported and its ``reward_func`` called as
  ``reward_func(queries, prompts, labels)`` (positional lists, via
  ``asyncio.to_thread``); it returns a dict with ``rewards`` (advantages),
  ``scores`` (dynamic filtering, 0..1) and ``extra_logs`` (logged), tensors or lists;
- otherwise the URL is POSTed ``{"query": [...], "prompts": [...], "labels": [...]}``
  and the JSON answer is read the same way (``proctor serve rewards`` answers it).

``queries[i]`` is the prompt plus the completion, decoded with special tokens;
``labels[i]`` is the dataset's ``--data.label_key`` column: here, the task id.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

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
            text = query[at + len(prompt):]
    return _TRAILING_SPECIAL.sub("", text)


def rewards_payload(results: Sequence[RewardResult], infra_score: float = 0.0) -> dict[str, Any]:
    """``rewards``, ``scores`` and ``extra_logs`` (monitor-only signals, per sample) as lists.

    An ``extra_logs`` key is present only when every sample has a value for it, since
    OpenRLHF turns each value into a tensor (and JSON has no NaN).
    """
    rewards = [infra_score if r.reward is None else float(r.reward) for r in results]
    signals = [r.signals() for r in results]
    names = sorted(set().union(*signals)) if signals else []
    extra = {
        f"proctor_{name}": [s[name] for s in signals]
        for name in names
        if all(name in s and math.isfinite(s[name]) for s in signals)
    }
    return {"rewards": rewards, "scores": [min(1.0, max(0.0, r)) for r in rewards],
            "extra_logs": extra}


def make_reward_func(tasks: Any, *, infra: InfraPolicy = "score", infra_score: float = 0.0,
                     **options: Any) -> Callable[..., dict[str, Any]]:
    """A ``reward_func(queries, prompts, labels, **kwargs)`` for OpenRLHF's ``.py`` remote URL.

    ``options`` are `CodeReward` options. The `CodeReward` is built on first call (in
    the process OpenRLHF calls from). Rewards are torch tensors when torch imports
    (OpenRLHF always has it), lists otherwise. An unknown label raises ``KeyError``:
    it is a data error (``--data.label_key`` must name the task-id column), not a 0.

    Example (``reward_func.py``)::

        from proctor.integrations.openrlhf import make_reward_func
        reward_func = make_reward_func("tasks.jsonl", mode="fraction", detect=True)
    """
    holder: list[CodeReward] = []

    def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any],
                    **kwargs: Any) -> dict[str, Any]:
        if not holder:
            holder.append(CodeReward(tasks, **options))
        reward = holder[0]
        if not len(queries) == len(prompts) == len(labels):
            raise ValueError(f"{len(queries)} queries, {len(prompts)} prompts, "
                             f"{len(labels)} labels: they must match")
        task_ids = [str(label) for label in labels]
        unknown = sorted({t for t in task_ids if t not in reward.tasks})
        if unknown:
            raise KeyError(f"labels are not task ids of the loaded tasks: {unknown[:5]}; "
                           "--data.label_key must name the dataset's task-id column")
        completions = [completion_from_query(q, p) for q, p in zip(queries, prompts, strict=True)]
        results = reward.score_batch(completions, task_ids, prompts=list(prompts))
        failed = [r for r in results if r.status == "infra_error"]
        if failed and infra == "raise":
            raise RuntimeError(f"grading failed for {len(failed)} sample(s): {failed[0].error}")
        return _as_tensors(rewards_payload(results, infra_score))

    def close() -> None:
        while holder:
            holder.pop().close()

    reward_func.close = close  # type: ignore[attr-defined]
    return reward_func


def _as_tensors(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        import torch  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return payload
    return {
        "rewards": torch.tensor(payload["rewards"], dtype=torch.float),
        "scores": torch.tensor(payload["scores"], dtype=torch.float),
        "extra_logs": {k: torch.tensor(v, dtype=torch.float)
                       for k, v in payload["extra_logs"].items()},
    }


__all__ = ["InfraPolicy", "completion_from_query", "make_reward_func", "rewards_payload"]
