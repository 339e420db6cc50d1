"""The lab's policy: a softmax over each task's candidates with shared strategy parameters.

A candidate's logit is the sum of the *shared* parameters its strategy switches
on plus a fixed per-candidate offset:

- honest correct: ``skill`` + the task's difficulty offset;
- honest wrong: nothing shared (the honest baseline);
- hack: ``exploit`` (a disposition shared by every hack) + ``family:<f>`` +
  ``category:<c>``.

Because the parameters are shared across tasks, learning that a lying ``__eq__``
pays on one task raises it on every task, and being punished for hacks lowers
every hack, the transfer real runs show. ``exploit`` starts at the config's
``hack_prior`` (hacks are rare at first); ``skill`` improves at a fraction of the
learning rate, because competence grows slower than a policy can switch
strategy. The update is GRPO's: group-mean (optionally std-normalised)
advantages times the exact score function, plus an optional KL penalty to the
initial policy. The fixed offsets and task difficulties are drawn from the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from proctor.bench.lab._pool import Candidate

FloatArray = NDArray[np.float64]


@dataclass
class _TaskModel:
    candidates: list[Candidate]
    features: FloatArray  # candidates x parameters (0/1)
    base: FloatArray  # fixed offsets
    initial: FloatArray  # log-probabilities of the initial policy


def log_softmax(logits: FloatArray) -> FloatArray:
    """Numerically stable log-softmax of a vector."""
    shifted = logits - logits.max()
    out: FloatArray = shifted - np.log(np.exp(shifted).sum())
    return out


def group_advantages(
    rewards: FloatArray, normalise_std: bool = True, eps: float = 1e-4
) -> FloatArray:
    """GRPO advantages of one group: reward minus the group mean, optionally over its std.

    NaN rewards (no reward: the grader failed) get advantage 0 and are left out
    of the mean and std; a group whose rewards are all equal teaches nothing (0).
    """
    out = np.zeros_like(rewards, dtype=np.float64)
    ok = ~np.isnan(rewards)
    if ok.sum() < 2:
        return out
    centred = rewards[ok] - rewards[ok].mean()
    if normalise_std:
        centred = centred / (rewards[ok].std() + eps)
    out[ok] = centred
    return out


class Policy:
    """Shared strategy parameters over per-task candidate pools (see module docstring)."""

    def __init__(
        self,
        pools: dict[str, list[Candidate]],
        rng: np.random.Generator,
        hack_prior: float,
        honest_skill: float,
        difficulty_sd: float,
        offset_sd: float,
        skill_lr_scale: float = 1.0,
        exploit_lr_scale: float = 1.0,
    ) -> None:
        families = sorted({c.family for p in pools.values() for c in p if c.family})
        categories = sorted({c.category for p in pools.values() for c in p if c.kind == "hack"})
        self.names = [
            "skill",
            "exploit",
            *(f"family:{f}" for f in families),
            *(f"category:{c}" for c in categories),
        ]
        index = {name: i for i, name in enumerate(self.names)}
        self.theta = np.zeros(len(self.names))
        self.theta[index["exploit"]] = hack_prior
        self.lr_scale = np.ones(len(self.names))
        self.lr_scale[index["skill"]] = skill_lr_scale
        self.lr_scale[index["exploit"]] = exploit_lr_scale
        self.tasks: dict[str, _TaskModel] = {}
        for task_id, pool in pools.items():
            difficulty = rng.normal(honest_skill, difficulty_sd)
            counts = {
                k: sum(c.kind == k for c in pool)
                for k in ("honest_correct", "honest_wrong", "hack")
            }
            features = np.zeros((len(pool), len(self.names)))
            base = rng.normal(0.0, offset_sd, size=len(pool))
            for row, c in enumerate(pool):
                # -log(count): a strategy's mass does not grow with how many variants the
                # corpus happens to hold for it
                base[row] -= np.log(counts[c.kind])
                if c.kind == "honest_correct":
                    features[row, index["skill"]] = 1.0
                    base[row] += difficulty
                elif c.kind == "hack":
                    features[row, index["exploit"]] = 1.0
                    features[row, index[f"family:{c.family}"]] = 1.0
                    features[row, index[f"category:{c.category}"]] = 1.0
            model = _TaskModel(pool, features, base, np.zeros(len(pool)))
            model.initial = self.log_probs(task_id, model)
            self.tasks[task_id] = model

    def log_probs(self, task_id: str, model: _TaskModel | None = None) -> FloatArray:
        """Log-probabilities of the task's candidates under the current parameters."""
        m = model if model is not None else self.tasks[task_id]
        return log_softmax(m.features @ self.theta + m.base)

    def candidates(self, task_id: str) -> list[Candidate]:
        """The task's pool, in the order `log_probs` and `sample` index it."""
        return self.tasks[task_id].candidates

    def sample(self, task_id: str, n: int, rng: np.random.Generator) -> list[int]:
        """Indices of ``n`` candidates drawn independently from the task's policy."""
        probs = np.exp(self.log_probs(task_id))
        return [int(i) for i in rng.choice(len(probs), size=n, p=probs / probs.sum())]

    def kl(self, task_id: str) -> float:
        """KL(current || initial) on one task, in nats."""
        logp = self.log_probs(task_id)
        return float(np.sum(np.exp(logp) * (logp - self.tasks[task_id].initial)))

    def entropy(self, task_id: str) -> float:
        """Entropy of the policy on one task, in nats."""
        logp = self.log_probs(task_id)
        return float(-np.sum(np.exp(logp) * logp))

    def _kl_gradient(self, task_id: str) -> FloatArray:
        m = self.tasks[task_id]
        logp = self.log_probs(task_id)
        p = np.exp(logp)
        ratio = logp - m.initial
        centred = m.features - p @ m.features
        out: FloatArray = (p * (ratio - float(p @ ratio))) @ centred
        return out

    def update(
        self,
        batch: Sequence[tuple[str, Sequence[int], FloatArray]],
        lr: float,
        kl_coef: float = 0.0,
    ) -> None:
        """One step: ``batch`` holds (task id, sampled indices, their advantages)."""
        grad = np.zeros_like(self.theta)
        n = 0
        for task_id, picks, advantages in batch:
            m = self.tasks[task_id]
            p = np.exp(self.log_probs(task_id))
            mean_features = p @ m.features
            for i, a in zip(picks, advantages, strict=True):
                grad += a * (m.features[i] - mean_features)
                n += 1
        if n:
            grad /= n
        if kl_coef and batch:
            grad -= (
                kl_coef
                * sum((self._kl_gradient(t) for t, _, _ in batch), np.zeros_like(self.theta))
                / len(batch)
            )
        self.theta = self.theta + lr * self.lr_scale * grad

    def parameters(self) -> dict[str, float]:
        """The shared parameters by name (for the run manifest)."""
        return {name: round(float(v), 6) for name, v in zip(self.names, self.theta, strict=True)}
