"""verl adapter: ``compute_score`` for verl's custom reward function, and a batch variant.

Tested against verl 0.9.1 through its own reward loop
(``tests/integrations/test_trainer_verl.py``):

- ``verl/trainer/ppo/reward.py`` ``get_custom_reward_fn`` loads
  ``reward.custom_reward_function.name`` from the file
  ``reward.custom_reward_function.path`` and merges
  ``reward.custom_reward_function.reward_kwargs`` into every call (the top-level
  ``custom_reward_function.*`` of verl ≤ 0.8 is ignored by ``main_ppo``);
- ``verl/experimental/reward_loop/reward_manager/naive.py``
  (``reward.reward_manager.name=naive``, the default; ``remote`` is the same in Ray
  worker processes) calls ``compute_score(data_source=..., solution_str=...,
  ground_truth=..., extra_info=...)`` once per sample, from a thread pool; a dict
  return must have ``"score"``, and every key goes to ``reward_extra_info`` and is
  stacked per key over the batch, so every call must return the same keys;
- a ``None`` score fails the batch (``rm_scores`` is a float tensor) and an
  exception stops the run: proctor returns neither for a sample.

verl ≤ 0.8's ``reward_model.reward_manager=batch`` called ``compute_score(
data_sources=..., solution_strs=..., ground_truths=..., extra_infos=...)`` once per
batch: `compute_score_batch` (verl 0.9 has no batch manager).

The score goes into a float tensor: verl has no "no reward", so a grader failure
scores ``infra_score`` (0.0) and says so in ``proctor_infra_error`` (1.0). Extra keys
are floats (NaN when unknown) or strings; verl's validation metrics skip strings.

Which reward: the task id is ``extra_info["task_id"]``, else ``ground_truth`` (a
string naming a task in ``tasks``); a ``data_source`` starting with ``math`` (or
``extra_info["proctor_reward"] == "math"``) is scored by `MathReward` against
``ground_truth`` instead.
"""

from __future__ import annotations

import atexit
import json
import math
import threading
from collections.abc import Sequence
from typing import Any

from proctor.integrations._grouping import GroupPool
from proctor.rewards import CodeReward, MathReward, RewardResult

_REWARDS: dict[str, CodeReward] = {}
_MATH: list[MathReward] = []
_LOCK = threading.Lock()

EXTRA_KEYS = (
    "proctor_status",
    "proctor_proxy",
    "proctor_gold",
    "proctor_gap",
    "proctor_hack",
    "proctor_hack_probability",
    "proctor_category",
    "proctor_gated",
    "proctor_infra_error",
)
"""The keys every returned dict carries next to ``score`` (monitor-only)."""


def _code_reward(tasks: Any, options: dict[str, Any]) -> CodeReward:
    if tasks is None:
        raise ValueError(
            "proctor's compute_score needs the tasks: set "
            "+reward.custom_reward_function.reward_kwargs.tasks=/path/to/tasks.jsonl"
        )
    key = json.dumps({"tasks": str(tasks), **options}, sort_keys=True, default=str)
    with _LOCK:
        reward = _REWARDS.get(key)
        if reward is None:
            reward = _REWARDS[key] = CodeReward(tasks, **options)
        return reward


def _math_reward() -> MathReward:
    with _LOCK:
        if not _MATH:
            _MATH.append(MathReward())
        return _MATH[0]


def _is_math(data_source: Any, extra_info: dict[str, Any]) -> bool:
    return (
        str(data_source or "").lower().startswith("math")
        or extra_info.get("proctor_reward") == "math"
    )


def _row(result: RewardResult, infra_score: float) -> dict[str, Any]:
    def num(value: float | None) -> float:
        return math.nan if value is None else float(value)

    signals = result.signals()
    return {
        "score": infra_score if result.reward is None else float(result.reward),
        "proctor_status": result.status,
        "proctor_proxy": num(result.proxy),
        "proctor_gold": num(result.gold),
        "proctor_gap": num(result.gap),
        "proctor_hack": num(signals.get("hack")),
        "proctor_hack_probability": num(result.hack_probability),
        "proctor_category": result.category or "",
        "proctor_gated": float(result.gated),
        "proctor_infra_error": float(result.status == "infra_error"),
    }


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[dict[str, Any] | None] | None = None,
    *,
    tasks: Any = None,
    infra_score: float = 0.0,
    group: str | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Score a batch (verl ≤ 0.8's ``reward_model.reward_manager=batch``): one dict per sample.

    ``options`` are `CodeReward` options (``mode``, ``detect``, ``gate``,
    ``record_to``, ``workers``...), given as ``reward.custom_reward_function.reward_kwargs``.
    ``group`` names the GRPO group of every code sample (default: one per prompt).
    """
    n = len(solution_strs)
    infos = [dict(e or {}) for e in (extra_infos if extra_infos is not None else [None] * n)]
    results: list[RewardResult | None] = [None] * n
    code = [i for i in range(n) if not _is_math(data_sources[i], infos[i])]
    for i in set(range(n)) - set(code):
        answer = ground_truths[i]
        results[i] = _math_reward().score(solution_strs[i], None if answer is None else str(answer))
    if code:
        reward = _code_reward(tasks, options)
        task_ids = [_task_id(ground_truths[i], infos[i]) for i in code]
        prompts = [infos[i].get("prompt") for i in code]
        step = next(
            (
                infos[i].get("global_step")
                for i in code
                if isinstance(infos[i].get("global_step"), int)
            ),
            None,
        )
        scored = reward.score_batch(
            [solution_strs[i] for i in code],
            task_ids,
            prompts=[p if isinstance(p, str) else None for p in prompts],
            step=step,
            groups=None if group is None else [group] * len(code),
        )
        for i, result in zip(code, scored, strict=True):
            results[i] = result
    return [_row(r, infra_score) for r in results if r is not None]


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    *,
    group_size: int | None = None,
    group_window: float = 2.0,
    **kwargs: Any,
) -> dict[str, Any]:
    """Score one sample (verl 0.9's reward managers call it once per sample).

    Returns ``{"score": float, "proctor_*": ...}`` (see `EXTRA_KEYS`); keyword
    arguments are those of `compute_score_batch`. ``group_size`` (e.g.
    ``actor_rollout_ref.rollout.n``): samples of one task are pooled for up to
    ``group_window`` seconds and scored together, so the group detector sees the
    GRPO group (`GroupPool`; verl calls from a thread pool, so this works with the
    ``naive`` manager, not with ``remote``'s one-call-at-a-time processes).
    """
    info = dict(extra_info or {})
    if group_size is None or _is_math(data_source, info):
        return compute_score_batch([data_source], [solution_str], [ground_truth], [info], **kwargs)[
            0
        ]
    pool = _group_pool(group_size, group_window, kwargs)
    key = (str(data_source), _task_id(ground_truth, info))
    return pool.submit(key, (data_source, solution_str, ground_truth, info))


_Sample = tuple[Any, str, Any, dict[str, Any]]
_POOLS: dict[str, GroupPool[_Sample, dict[str, Any]]] = {}


def _group_pool(
    size: int, window: float, kwargs: dict[str, Any]
) -> GroupPool[_Sample, dict[str, Any]]:
    key = json.dumps({"size": size, "window": window, **kwargs}, sort_keys=True, default=str)
    with _LOCK:
        pool = _POOLS.get(key)
        if pool is None:

            def score(samples: list[_Sample], group: str) -> list[dict[str, Any]]:
                return compute_score_batch(
                    [s[0] for s in samples],
                    [s[1] for s in samples],
                    [s[2] for s in samples],
                    [s[3] for s in samples],
                    group=group,
                    **kwargs,
                )

            pool = _POOLS[key] = GroupPool(score, group_size=size, window=window)
        return pool


def _task_id(ground_truth: Any, extra_info: dict[str, Any]) -> str | None:
    task_id = extra_info.get("task_id")
    if task_id is None and isinstance(ground_truth, str):
        task_id = ground_truth
    return None if task_id is None else str(task_id)


@atexit.register
def close_all() -> None:
    """Stop every grader this module started (also run at interpreter exit)."""
    with _LOCK:
        for reward in _REWARDS.values():
            reward.close()
        _REWARDS.clear()
        _POOLS.clear()
        for m in _MATH:
            m.close()
        _MATH.clear()


__all__ = ["EXTRA_KEYS", "close_all", "compute_score", "compute_score_batch"]
