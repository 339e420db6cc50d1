"""The fixed-pool setting: a gold scorer, proxy scorers that can be fooled, and three optimisers.

The pool is synthetic and ships with the code (a seeded generator), so this setting
runs anywhere. Per prompt, ``K`` candidates sampled from a base policy:

- gold ``g ~ N(0, 1)``;
- ``M`` proxy reward models ``r_m = g + ε_m``, ``ε_m ~ N(0, noise²)`` (regressional error);
- a share ``hack_rate`` of candidates are hacks: gold ``~ N(−1, 0.5²)``, and each proxy
  model is fooled independently with probability ``fool_rate``, adding an exploit
  ``2 + Exp(1)`` to its score (extremal error: Goodhart's law in its sharpest form).

The single proxy is model 0. Rewards compared: raw, ensembles of the ``M`` models
(mean, WCO, UWO with population variance), PAR and log-sigmoid over model 0 with
references drawn from the pool (samples of the base policy). Optimisers: best-of-n
(exact), the KL-regularised optimum, and tabular GRPO. This is a model of
overoptimisation, not a measurement of one: the figures follow from its assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from proctor.audit import best_of_n_pools
from proctor.bench.mitigations._grpo import GRPOConfig, tabular_grpo
from proctor.bench.mitigations._kl import kl_curve
from proctor.transforms import ensemble_mean, ensemble_uwo, ensemble_wco, log_sigmoid, par

Floats = np.ndarray


@dataclass(frozen=True)
class PoolConfig:
    """Sizes and error model of the synthetic pool."""

    prompts: int = 200
    size: int = 32
    members: int = 4
    noise: float = 0.5
    hack_rate: float = 0.1
    fool_rate: float = 0.5
    references: int = 8
    """Reference samples per prompt for PAR and log-sigmoid."""
    ref_quantile: float = 0.85
    """log-sigmoid reference: this quantile of the reference rewards (Wang et al., 2024)."""
    uwo_penalty: float = 0.5


@dataclass
class Pool:
    """``gold``: (P, K); ``scores``: (M, P, K); ``reference``: (P, R) indices into the pool."""

    gold: Floats
    scores: Floats
    reference: np.ndarray
    is_hack: np.ndarray


def make_pool(config: PoolConfig, seed: int) -> Pool:
    """Draw a pool from the error model in the module docstring."""
    rng = np.random.default_rng(seed)
    shape = (config.prompts, config.size)
    is_hack = rng.random(shape) < config.hack_rate
    gold = np.where(is_hack, rng.normal(-1.0, 0.5, shape), rng.normal(0.0, 1.0, shape))
    noise = rng.normal(0.0, config.noise, (config.members, *shape))
    fooled = is_hack[None] & (rng.random((config.members, *shape)) < config.fool_rate)
    exploit = 2.0 + rng.exponential(1.0, (config.members, *shape))
    scores = gold[None] + noise + np.where(fooled, exploit, 0.0)
    reference = np.stack(
        [rng.choice(config.size, config.references, replace=False) for _ in range(config.prompts)]
    )
    return Pool(gold, scores, reference, is_hack)


def pool_rewards(pool: Pool, config: PoolConfig) -> dict[str, Floats]:
    """Every reward of the comparison, shape (P, K), computed over whole pools."""
    proxy = pool.scores[0]
    rows = np.arange(proxy.shape[0])[:, None]
    ref = proxy[rows, pool.reference]  # (P, R): the references' own proxy rewards
    flat = proxy.reshape(-1)
    size = proxy.shape[1]
    ref_each = np.repeat(ref, size, axis=0)
    quantile = np.repeat(np.quantile(ref, config.ref_quantile, axis=1), size)
    members = pool.scores.reshape(config.members, -1)
    out = {
        "raw": proxy,
        "PAR": par(flat, ref_each).reshape(proxy.shape),
        "log-sigmoid": log_sigmoid(flat, quantile).reshape(proxy.shape),
        "ensemble mean": ensemble_mean(members).reshape(proxy.shape),
        "ensemble WCO": ensemble_wco(members).reshape(proxy.shape),
        "ensemble UWO": ensemble_uwo(members, config.uwo_penalty).reshape(proxy.shape),
    }
    return out


def run_pool(
    config: PoolConfig,
    seeds: int,
    grpo: GRPOConfig,
    ns: list[int],
    betas: list[float],
    tick: Any = None,
) -> dict[str, Any]:
    """Best-of-n, the KL optimum and GRPO for every reward, for ``seeds`` pools.

    Returns per reward: best-of-n gold per n (median over seeds), the KL curve (gold and
    KL per β, median), GRPO traces (median per step) and final/peak gold per seed."""
    results: dict[str, Any] = {}
    for seed in range(seeds):
        pool = make_pool(config, seed)
        for name, reward in pool_rewards(pool, config).items():
            entry = results.setdefault(
                name, {"bon": [], "kl_gold": [], "kl": [], "grpo_gold": [], "grpo_kl": []}
            )
            entry["bon"].append(best_of_n_pools(list(reward), list(pool.gold), ns))
            gold_curve, kls = kl_curve(list(reward), list(pool.gold), betas)
            entry["kl_gold"].append(gold_curve)
            entry["kl"].append(kls)
            trace = tabular_grpo(reward, pool.gold, config=grpo, seed=seed)
            entry["grpo_gold"].append(trace.gold)
            entry["grpo_kl"].append(trace.kl)
            if tick is not None:
                tick()
    summary: dict[str, Any] = {"ns": ns, "betas": betas, "rewards": {}}
    for name, entry in results.items():
        grpo_gold = np.array(entry["grpo_gold"])
        summary["rewards"][name] = {
            "best_of_n": np.median(entry["bon"], axis=0).tolist(),
            "kl_gold": np.median(entry["kl_gold"], axis=0).tolist(),
            "kl": np.median(entry["kl"], axis=0).tolist(),
            "grpo_gold": np.median(grpo_gold, axis=0).tolist(),
            "grpo_kl": np.median(entry["grpo_kl"], axis=0).tolist(),
            "grpo_final_per_seed": grpo_gold[:, -1].tolist(),
            "grpo_peak_per_seed": grpo_gold.max(axis=1).tolist(),
        }
    return summary


__all__ = ["Pool", "PoolConfig", "make_pool", "pool_rewards", "run_pool"]
