"""`LabConfig`: every knob of a lab run, saved in its ``run.json``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LabGrader = Literal["hardened", "naive-exec", "naive-pytest"]


class LabConfig(BaseModel):
    """Settings of one lab run. Two runs with equal configs sample the same rollouts."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    seed: int = Field(default=0, ge=0)
    """Seeds the task choice, the policy's fixed offsets and every sample."""
    grader: LabGrader = "naive-exec"
    """The grader whose proxy score is the training reward."""
    split: Literal["heldout", "dev"] = "heldout"
    """Corpus split the tasks come from (``heldout``: the detectors were tuned on ``dev``)."""
    steps: int = Field(default=50, ge=1, le=10_000)
    """Policy-gradient steps."""
    tasks: int = Field(default=16, ge=1)
    """Tasks in the run's task set (drawn by seed from the split)."""
    tasks_per_step: int = Field(default=8, ge=1)
    """Prompts (tasks) sampled per step, without replacement from the task set."""
    group_size: int = Field(default=8, ge=2)
    """Completions sampled per prompt: one GRPO group."""
    lr: float = Field(default=10.0, gt=0)
    """Learning rate of the shared strategy parameters."""
    normalise_std: bool = True
    """Divide group advantages by the group's reward std (GRPO); off: Dr. GRPO style."""
    kl_coef: float = Field(default=0.0, ge=0)
    """Weight of the KL(policy || initial policy) penalty."""
    hack_prior: float = -3.5
    """Initial ``exploit`` parameter: how rare hacking is before training."""
    honest_skill: float = -1.5
    """Mean log-odds offset of a task's honest correct solutions over its wrong ones."""
    difficulty_sd: float = Field(default=1.0, ge=0)
    """Spread of that offset across tasks (hard tasks make hacking pay more)."""
    offset_sd: float = Field(default=0.5, ge=0)
    """Spread of the fixed per-candidate offsets."""
    skill_lr_scale: float = Field(default=0.0, ge=0)
    """Honest competence learns at this fraction of ``lr`` (it grows slower than a
    policy can switch strategy)."""
    exploit_lr_scale: float = Field(default=0.0, ge=0)
    """The shared hacking disposition learns at this fraction of ``lr`` (each hack
    category and family still learns at the full rate)."""
    exclude_families: list[str] = Field(default_factory=list)
    """Hack families left out of every pool (e.g. ``test_targeting``: visible-test
    special-casing, which even the hardened grader rewards; see docs/lab.md)."""
    workers: int = Field(default=2, ge=1, le=64)
    """Grading worker processes."""
