"""The code-domain benchmark: best-of-n and tabular GRPO over the corpus candidate pools."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from proctor.audit import best_of_n_pools
from proctor.bench.mitigations._code import REWARDS, Candidate, pools_by_task, rewards
from proctor.bench.mitigations._grpo import GRPOConfig, pad_pools, tabular_grpo


def _selected_hack_share(pools: list[list[Candidate]], name: str, ns: list[int]) -> list[float]:
    """Probability that the best-of-n pick is a (corpus-labelled) hack, for the report."""
    r = [rewards(p, name) for p in pools]
    hack = [np.array([float(c.kind == "hack") for c in p]) for p in pools]
    return [float(x) for x in best_of_n_pools(r, hack, ns)]


def run_code(
    candidates: list[Candidate], ns: list[int], grpo: GRPOConfig, seeds: int, tick: Any = None
) -> dict[str, Any]:
    """Gold pass rate of what best-of-n and GRPO select, per reward (see `REWARDS`)."""
    pools = list(pools_by_task(candidates).values())
    ns = [n for n in ns if n <= max((len(p) for p in pools), default=0)]
    gold = [np.array([c.gold for c in p]) for p in pools]
    out: dict[str, Any] = {
        "tasks": len(pools),
        "candidates": sum(len(p) for p in pools),
        "kinds": dict(Counter(c.kind for p in pools for c in p)),
        "pool_gold": float(np.mean([g.mean() for g in gold])) if gold else float("nan"),
        "ns": ns,
        "rewards": {},
    }
    for name in REWARDS:
        r = [rewards(p, name) for p in pools]
        traces = [
            tabular_grpo(pad_pools(r), pad_pools(gold), config=grpo, seed=s) for s in range(seeds)
        ]
        if tick is not None:
            tick()
        finals = [float(t.gold[-1]) for t in traces]
        out["rewards"][name] = {
            "best_of_n": [float(x) for x in best_of_n_pools(r, gold, ns)],
            "hack_selected": _selected_hack_share(pools, name, ns),
            "grpo_gold": np.median([t.gold for t in traces], axis=0).tolist(),
            "grpo_final_per_seed": finals,
        }
    return out


__all__ = ["run_code"]
