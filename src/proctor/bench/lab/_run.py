"""`run_lab`: one policy-gradient run over candidate pools, graded for real.

Each step samples ``tasks_per_step`` tasks, draws a GRPO group of
``group_size`` candidates per task from the policy, grades every sampled
program with the chosen grader (each distinct candidate once: grading is
deterministic, see `proctor.bench.lab._grading`), turns the proxy scores into
group-relative advantages and updates the shared strategy parameters. The
rollouts, grades and step scalars of each step are written before the next
one starts.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import proctor
from proctor.bench.lab._config import LabConfig
from proctor.bench.lab._grading import GradeBook
from proctor.bench.lab._onset import ONSET_RULE, onset_step
from proctor.bench.lab._policy import Policy, group_advantages
from proctor.bench.lab._pool import Candidate, choose_tasks, load_pools
from proctor.bench.lab._writer import RunWriter
from proctor.records import Grade, Rollout

StepCallback = Callable[[int, dict[str, float]], None]


@dataclass
class LabResult:
    """What a finished (or interrupted) run came to; ``run.json`` holds the same."""

    directory: Path
    config: LabConfig
    steps_done: int = 0
    hack_rates: list[float] = field(default_factory=list)
    gold_means: list[float] = field(default_factory=list)
    onset_step: int | None = None

    @property
    def final_hack_rate(self) -> float:
        """Mean true hack rate over the last 5 steps."""
        tail = self.hack_rates[-5:]
        return float(np.mean(tail)) if tail else math.nan

    @property
    def final_gold(self) -> float:
        """Mean hardened held-out pass rate of the rollouts of the last 5 steps."""
        tail = [g for g in self.gold_means[-5:] if not math.isnan(g)]
        return float(np.mean(tail)) if tail else math.nan


def reproduce_command(config: LabConfig, out: Path) -> str:
    """The ``proctor lab run`` command line that repeats a run with ``config``."""
    defaults = LabConfig()
    parts = ["proctor", "lab", "run", "--out", str(out)]
    for name, value in config.model_dump().items():
        if name == "workers" or value == getattr(defaults, name):
            continue
        if isinstance(value, list):
            for item in value:
                parts.extend(["--exclude-family", str(item)])
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else "--no-" + name.replace("_", "-"))
        else:
            parts.extend([flag, str(value)])
    return shlex.join(parts)


def _truth(c: Candidate, gold: float | None) -> dict[str, Any]:
    return {"kind": c.kind, "category": c.category, "family": c.family, "gold": gold}


def run_lab(
    config: LabConfig,
    out: Path,
    *,
    name: str | None = None,
    cache_dir: Path | None = None,
    on_step: StepCallback | None = None,
    command: str | None = None,
) -> LabResult:
    """Run the lab with ``config`` into the directory ``out`` (created; files replaced)."""
    rng = np.random.default_rng([config.seed, 0x1AB])
    tasks, all_pools = load_pools(config.split)
    task_ids = choose_tasks(all_pools, config.tasks, config.seed)
    excluded = set(config.exclude_families)
    pools = {tid: [c for c in all_pools[tid] if c.family not in excluded] for tid in task_ids}
    policy = Policy(
        pools,
        rng,
        hack_prior=config.hack_prior,
        honest_skill=config.honest_skill,
        difficulty_sd=config.difficulty_sd,
        offset_sd=config.offset_sd,
        skill_lr_scale=config.skill_lr_scale,
        exploit_lr_scale=config.exploit_lr_scale,
    )
    writer = RunWriter(out)
    result = LabResult(out, config)
    manifest: dict[str, Any] = {
        "name": name or out.name,
        "seed": config.seed,
        "grader": config.grader,
        # from the labelled onset, not from the grader: a hardened run in which
        # visible-test special-casing takes over is a hacking run (docs/lab.md)
        "expected": "benign",
        "onset_step": None,
        "onset_rule": ONSET_RULE,
        "steps": config.steps,
        "steps_done": 0,
        "complete": False,
        "group_size": config.group_size,
        "tasks": task_ids,
        "config": config.model_dump(),
        "command": command or reproduce_command(config, out),
        "proctor_version": proctor.__version__,
        "initial_parameters": policy.parameters(),
    }
    writer.manifest(manifest)
    with GradeBook(
        config.grader, {t: tasks[t] for t in task_ids}, cache_dir=cache_dir, workers=config.workers
    ) as book:
        for step in range(config.steps):
            scalars = _step(step, config, policy, book, writer, rng, result)
            result.steps_done = step + 1
            result.onset_step = onset_step(result.hack_rates)
            manifest.update(
                steps_done=step + 1,
                onset_step=result.onset_step,
                expected="benign" if result.onset_step is None else "hacking",
                complete=step + 1 == config.steps,
                final_parameters=policy.parameters(),
                final_hack_rate=_round(result.final_hack_rate),
                final_gold=_round(result.final_gold),
            )
            writer.manifest(manifest)
            if on_step is not None:
                on_step(step, scalars)
    return result


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


def _step(
    step: int,
    config: LabConfig,
    policy: Policy,
    book: GradeBook,
    writer: RunWriter,
    rng: np.random.Generator,
    result: LabResult,
) -> dict[str, float]:
    task_ids = sorted(policy.tasks)
    chosen = rng.choice(
        len(task_ids), size=min(config.tasks_per_step, len(task_ids)), replace=False
    )
    kl = float(np.mean([policy.kl(task_ids[i]) for i in chosen]))
    entropy = float(np.mean([policy.entropy(task_ids[i]) for i in chosen]))
    draws = []
    for i in sorted(chosen):
        task_id = task_ids[i]
        draws.append((task_id, policy.sample(task_id, config.group_size, rng)))
    book.ensure([policy.candidates(t)[k] for t, picks in draws for k in picks])

    rollouts: list[Rollout] = []
    grades: list[Grade] = []
    batch = []
    all_rewards: list[float] = []
    all_adv: list[float] = []
    lengths: list[int] = []
    hacks = 0
    golds: list[float] = []
    for task_id, picks in draws:
        rewards = np.full(len(picks), math.nan)
        for j, k in enumerate(picks):
            c = policy.candidates(task_id)[k]
            rid = f"s{step}/{task_id}/{j}"
            grade = book.grade(c).model_copy(update={"rollout_id": rid})
            reward = grade.proxy if grade.status == "ok" else None
            if reward is not None:
                rewards[j] = reward
            gold = book.gold(c)
            if gold is not None:
                golds.append(gold)
            hacks += c.kind == "hack"
            lengths.append(c.length)
            rollout = c.as_rollout(rid).model_copy(
                update={
                    "step": step,
                    "group": f"s{step}/{task_id}",
                    "reward": reward,
                    "meta": {"truth": _truth(c, gold), "candidate": c.id},
                }
            )
            rollouts.append(rollout)
            grades.append(grade)
        advantages = group_advantages(rewards, normalise_std=config.normalise_std)
        batch.append((task_id, picks, advantages))
        all_rewards.extend(float(r) for r in rewards if not math.isnan(r))
        all_adv.extend(float(a) for a in advantages)
    policy.update(batch, lr=config.lr, kl_coef=config.kl_coef)

    n = len(rollouts)
    result.hack_rates.append(hacks / n)
    result.gold_means.append(float(np.mean(golds)) if golds else math.nan)
    scalars = {
        "kl": kl,
        "entropy": entropy,
        "adv_mean": float(np.mean(all_adv)),
        "adv_std": float(np.std(all_adv)),
        "reward_mean": float(np.mean(all_rewards)) if all_rewards else math.nan,
        "length_mean": float(np.mean(lengths)),
    }
    writer.append("rollouts", rollouts)
    writer.append("grades", grades)
    writer.append(
        "scalars",
        [
            {
                "step": step,
                **{k: None if math.isnan(v) else round(v, 6) + 0.0 for k, v in scalars.items()},
            }
        ],
    )
    return {**scalars, "true_hack_rate": hacks / n}
