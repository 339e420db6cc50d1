"""Rewards for RL trainers, built on the hardened grader.

- `CodeReward`: the visible-test score of a completion's code (``fraction`` or
  ``all_pass``). The held-out (gold) score and detector verdicts are carried as
  *monitor-only* signals that never reach the gradient unless a gate is asked for.
- `MathReward`: 1 when the final answer equals the reference by math-verify.
- `RewardResult`: what each sample got, and why.

Trainer adapters live in `proctor.integrations` (TRL, verl, OpenRLHF); the HTTP
reward server in `proctor.serve`. See docs/rewards.md.
"""

from proctor.rewards._code import (
    BACKENDS,
    DEFAULT_LIMITS,
    MODES,
    STATIC_DETECTORS,
    Backend,
    CodeReward,
    Mode,
)
from proctor.rewards._gate import GATES, Gate, apply_gate
from proctor.rewards._math import MathReward
from proctor.rewards._record import JsonlSink, Recorder, RunSink
from proctor.rewards._result import RewardResult, RewardStatus
from proctor.rewards._tasks import TaskSource, load_tasks

__all__ = [
    "BACKENDS",
    "DEFAULT_LIMITS",
    "GATES",
    "MODES",
    "STATIC_DETECTORS",
    "Backend",
    "CodeReward",
    "Gate",
    "JsonlSink",
    "MathReward",
    "Mode",
    "Recorder",
    "RewardResult",
    "RewardStatus",
    "RunSink",
    "TaskSource",
    "apply_gate",
    "load_tasks",
]
