"""Reward transforms: mitigations for reward hacking, as small numpy functions over batches.

Every transform takes the rewards of a batch as its first argument (a 1-D array; NaN
means "no reward" and passes through unchanged) and returns a new array in the same
order, so they compose by nesting, innermost first::

    from proctor.transforms import ensemble_mean, hard_gate, par, standardize

    rewards = hard_gate(par(ensemble_mean(standardize(scores)), reference), p_hack)

Group structure is kept: nothing reorders a batch, and the group-relative transforms
take a ``groups`` array (one label per reward). Each docstring gives the formula
and its source; see docs/mitigations.md.

- gating: `hard_gate`, `soft_gate` (detector verdicts, Adversarial Reward Auditing);
  `auditor_gate` (hard or soft, to a floor) by any auditor's or probe's score, and
  `AuditorGate`, which wraps a TRL-signature reward function with a `Scorer`
- ensembles of reward models: `standardize`, `ensemble_mean`, `ensemble_wco`, `ensemble_uwo`
- shaping against references: `par` (Preference-As-Reward), `log_sigmoid`
- length control: `soft_overlong`, `overlong_penalty` (DAPO)
- group-relative: `group_win_rate` (Pref-GRPO), `group_advantage` (GRPO)
- process rewards: `min_form_credit` (PURE), `sum_form_credit`, `step_returns`,
  `trajectory_return`
"""

from proctor.transforms._auditor import AuditorGate, GateMode, Scorer, auditor_gate
from proctor.transforms._credit import (
    min_form_credit,
    step_returns,
    sum_form_credit,
    trajectory_return,
)
from proctor.transforms._ensembles import ensemble_mean, ensemble_uwo, ensemble_wco, standardize
from proctor.transforms._gating import hard_gate, soft_gate
from proctor.transforms._groups import group_advantage, group_win_rate
from proctor.transforms._length import overlong_penalty, soft_overlong
from proctor.transforms._shaping import log_sigmoid, par

__all__ = [
    "AuditorGate",
    "GateMode",
    "Scorer",
    "auditor_gate",
    "ensemble_mean",
    "ensemble_uwo",
    "ensemble_wco",
    "group_advantage",
    "group_win_rate",
    "hard_gate",
    "log_sigmoid",
    "min_form_credit",
    "overlong_penalty",
    "par",
    "soft_gate",
    "soft_overlong",
    "standardize",
    "step_returns",
    "sum_form_credit",
    "trajectory_return",
]
