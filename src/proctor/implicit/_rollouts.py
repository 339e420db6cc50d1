"""Rollout records in, implicit rewards out: what ``proctor implicit score`` does.

Per rollout: the prompt is ``Rollout.prompt`` (as the trainer sent it, chat
template included), else its task's prompt, else empty; the completion is
``Rollout.completion``, else ``Rollout.code``. The proxy is ``Rollout.reward``, else
the grade's proxy; the gold is the grade's gold, else the lab's ``meta.truth.gold``;
the label is `hack_label`. Results are written one JSON object per line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.implicit._agree import Agreement, agreement, hack_label
from proctor.implicit._score import ImplicitReward, TokenRewards
from proctor.records import Grade, Rollout, Task


@dataclass
class ScoredRollout:
    """A rollout's implicit reward, with what the run said about it."""

    rollout_id: str
    task_id: str
    result: TokenRewards
    proxy: float | None = None
    gold: float | None = None
    hack: bool | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def score_rollouts(
    scorer: ImplicitReward,
    rollouts: Iterable[Rollout],
    *,
    tasks: Mapping[str, Task] | None = None,
    grades: Iterable[Grade] = (),
    batch_size: int = 4,
    max_length: int = 2048,
) -> tuple[list[ScoredRollout], list[str]]:
    """Score every rollout with text; returns ``(scored, ids of those without text)``."""
    grade_of = {g.rollout_id: g for g in grades}
    kept: list[Rollout] = []
    skipped: list[str] = []
    for r in rollouts:
        if r.completion or r.code:
            kept.append(r)
        else:  # a chat or files only: nothing to score token by token
            skipped.append(r.id)
    prompts = [
        r.prompt
        if r.prompt is not None
        else (tasks[r.task_id].prompt if tasks and r.task_id in tasks else "")
        for r in kept
    ]
    completions = [r.completion if r.completion else (r.code or "") for r in kept]
    results = scorer.score(prompts, completions, batch_size=batch_size, max_length=max_length)
    out = []
    for r, result in zip(kept, results, strict=True):
        g = grade_of.get(r.id)
        truth = r.meta.get("truth")
        gold = g.gold if g is not None and g.gold is not None else None
        if gold is None and isinstance(truth, dict):
            gold = _number(truth.get("gold"))
        proxy = r.reward if r.reward is not None else (g.proxy if g is not None else None)
        result.meta["rollout_id"] = r.id
        out.append(ScoredRollout(r.id, r.task_id, result, proxy, gold, hack_label(r.meta)))
    return out, skipped


def rollout_agreement(scored: list[ScoredRollout]) -> Agreement:
    """`agreement` of the sequence rewards with the rollouts' proxy, gold and labels."""
    return agreement(
        [s.result.sequence_reward for s in scored],
        proxy=[s.proxy for s in scored],
        gold=[s.gold for s in scored],
        hack=[s.hack for s in scored],
    )


def record(s: ScoredRollout, k: int = 3, max_tokens: int | None = None) -> dict[str, Any]:
    """One output line: the sequence reward, the top spans and every token's reward."""
    r = s.result
    return {
        "rollout_id": s.rollout_id,
        "task_id": s.task_id,
        "sequence_reward": round(r.sequence_reward, 6),
        "mean_reward": None if not r.rewards.size else round(r.mean_reward, 6),
        "tokens": len(r.token_ids),
        "truncated": r.truncated,
        "beta": r.beta,
        "proxy": s.proxy,
        "gold": s.gold,
        "hack": s.hack,
        "top_spans": [
            {
                "start": sp.start,
                "end": sp.end,
                "text": sp.text,
                "reward": round(sp.reward, 6),
                "tokens": sp.tokens,
            }
            for sp in r.spans(k, max_tokens=max_tokens)
        ],
        "token_rewards": [
            [a, b, round(float(x), 6)] for (a, b), x in zip(r.offsets, r.rewards, strict=True)
        ],
    }


def write_scores(
    path: Path, scored: list[ScoredRollout], k: int = 3, max_tokens: int | None = None
) -> Path:
    """Write one `record` per line to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for s in scored:
            f.write(json.dumps(record(s, k, max_tokens), ensure_ascii=False) + "\n")
    return path


__all__ = ["ScoredRollout", "record", "rollout_agreement", "score_rollouts", "write_scores"]
