"""The mitigation benchmark: do proctor's reward transforms keep what gets selected honest?

Three settings (docs/mitigations.md), each a module:

- RewardMATH (`run_rewardmath`): best-of-n with real reward-model scores;
- a fixed synthetic pool (`run_pool`): best-of-n, the KL-regularised optimum and
  tabular GRPO, with raw, PAR, log-sigmoid and ensemble rewards;
- the code domain (`run_code`): pools of honest and hacked solutions under the
  naive-exec, naive-pytest, hardened and detector-gated rewards (`grade_candidates`
  grades and detects any corpus rollouts; `collect_candidates` the held-out split).

The estimators are reusable: `best_of_n` (exact, by order statistics), `kl_policy`
and `kl_curve` (the KL-regularised optimum over a pool), `tabular_grpo`.
"""

from proctor.audit import best_of_n, best_of_n_pools
from proctor.bench.mitigations._bench import SETTINGS, BenchConfig, run_bench
from proctor.bench.mitigations._code import (
    GRADERS,
    REWARDS,
    Candidate,
    build_candidates,
    collect_candidates,
    grade_candidates,
    pools_by_task,
    rewards,
)
from proctor.bench.mitigations._codebench import run_code
from proctor.bench.mitigations._grpo import GRPOConfig, GRPOTrace, pad_pools, raw, tabular_grpo
from proctor.bench.mitigations._kl import kl_curve, kl_divergence, kl_policy
from proctor.bench.mitigations._pool import PoolConfig, make_pool, pool_rewards, run_pool
from proctor.bench.mitigations._rewardmath import load_scores, run_rewardmath

__all__ = [
    "GRADERS",
    "REWARDS",
    "SETTINGS",
    "BenchConfig",
    "Candidate",
    "GRPOConfig",
    "GRPOTrace",
    "PoolConfig",
    "best_of_n",
    "best_of_n_pools",
    "build_candidates",
    "collect_candidates",
    "grade_candidates",
    "kl_curve",
    "kl_divergence",
    "kl_policy",
    "load_scores",
    "make_pool",
    "pad_pools",
    "pool_rewards",
    "pools_by_task",
    "raw",
    "rewards",
    "run_bench",
    "run_code",
    "run_pool",
    "run_rewardmath",
    "tabular_grpo",
]
